package console_test

import "io"

// ioPipe is a reader that blocks until written to or closed, like a
// terminal with nobody typing.
func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }
