package telegram

import (
	"errors"
	"net/url"
	"strings"
)

// redactedError hides the bot token, which the SDK puts in request URLs and
// therefore in *url.Error messages.
type redactedError struct {
	msg   string
	cause error // never carries the token-bearing URL
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// redact returns err with every occurrence of secret removed from its
// message. A *url.Error in the chain is replaced by its inner error so that
// callers unwrapping the result cannot reach the URL either.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	changed := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "<redacted>")
			changed = true
		}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &redactedError{msg: msg, cause: ue.Err}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, cause: errors.Unwrap(err)}
}
