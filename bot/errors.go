package bot

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors shared by the engine, the stores and the channels. Wrap
// them with context ("telegram: send reply: %w") and test with errors.Is.
var (
	// ErrDuplicate: this inbound delivery was already recorded; ack and ignore.
	ErrDuplicate = errors.New("duplicate delivery")
	// ErrNotFound: the record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrPermanent: the platform refused the send for good (blocked user,
	// invalid number, outside a messaging window); do not retry.
	ErrPermanent = errors.New("permanent delivery failure")
	// ErrForbidden: a request failed authentication (bad signature or secret).
	ErrForbidden = errors.New("forbidden")
	// ErrInvalidContent: the knowledge base failed validation.
	ErrInvalidContent = errors.New("invalid content")
	// ErrConflict: the state changed under the caller (e.g. already taken).
	ErrConflict = errors.New("conflict")
)

// RetryAfterError says a send failed transiently and may be retried, no
// sooner than After (zero: use the dispatcher's own backoff).
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	if e.After > 0 {
		return fmt.Sprintf("retry after %s: %v", e.After, e.Err)
	}
	return fmt.Sprintf("retryable: %v", e.Err)
}

func (e *RetryAfterError) Unwrap() error { return e.Err }
