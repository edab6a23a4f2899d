// Package content loads and validates the help-center knowledge base: the
// articles every answer comes from, their training phrases and the interface
// strings, in es, fr and en.
package content

import (
	"embed"
	"io/fs"
)

//go:embed site.md words.md ui/*.md articles/*.md
var embedded embed.FS

// Embedded returns the knowledge base compiled into the binary.
func Embedded() fs.FS { return embedded }
