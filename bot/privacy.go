package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Privacy is implemented by the stores: retention (Purge), and access and
// erasure on request (ExportContact, EraseContact) for one contact.
//
// A contact's data is its contact record, the conversations it owns (the
// chat is the contact's own, or the contact is the only client who wrote
// in it) with their transcripts, handoffs, CSAT scores, feedback,
// deliveries and desk threads, its client messages in conversations it
// shares with others, and its per-chat delivery state.
//
// Methods are safe for concurrent use with every other Store method (the
// bot keeps serving), block on I/O and honour ctx.
type Privacy interface {
	// ExportContact returns everything held about a contact, oldest first
	// (ErrNotFound when nothing is).
	ExportContact(ctx context.Context, ref ContactRef) (ContactExport, error)
	// EraseContact deletes everything ExportContact returns, in one
	// transaction, and records an audit line that names no one. Only the
	// contact's language and SMS opt-out survive, under a digest of the
	// reference (PrefKey): a later message starts from nothing else. It
	// returns what it removed (ErrNotFound when nothing was held).
	EraseContact(ctx context.Context, ref ContactRef, at time.Time) (Removed, error)
	// Purge removes the content of every conversation with no activity
	// since before: message text and authors, names, phone numbers and
	// other platform ids, outbox bodies, desk thread references. What
	// Report and the dashboard count (conversations, intents, verdicts,
	// handoffs, CSAT, feedback) stays, anonymous, so their figures over a
	// purged period do not change. A conversation that receives a message
	// while it is purged is either kept whole or purged and the message
	// starts a new conversation. dryRun counts without changing anything.
	Purge(ctx context.Context, before time.Time, dryRun bool) (Removed, error)
}

// ContactRef names one contact: a channel and the contact's id on it.
type ContactRef struct {
	Channel   string
	ContactID string
}

func (r ContactRef) String() string { return r.Channel + ":" + r.ContactID }

// ParseContactRef reads CHANNEL:ID, e.g. "telegram:12345" or
// "whatsapp:whatsapp:+34600000000" (the id keeps any further colon).
func ParseContactRef(s string) (ContactRef, error) {
	ch, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || ch == "" || id == "" {
		return ContactRef{}, fmt.Errorf("contact %q: want CHANNEL:ID, e.g. telegram:12345 or console:console-user", s)
	}
	return ContactRef{Channel: ch, ContactID: id}, nil
}

// PrefKey is the digest under which an erased contact's language and
// opt-out are kept: SHA-256 of channel and id. It lets the bot honour a
// STOP without keeping the number; it is pseudonymous, not anonymous
// (a known number can be hashed and compared).
func PrefKey(channel, id string) string {
	h := sha256.Sum256([]byte(channel + "\x00" + id))
	return hex.EncodeToString(h[:])
}

// Removed counts what an erasure or a purge removed (or, dry, would).
type Removed struct {
	Contacts      int
	Conversations int
	Messages      int
	Handoffs      int
	Feedback      int
	Deliveries    int // outbox rows
	ChatStates    int // per-chat delivery state (opt-out, messaging window)
	// DeskThreads are the agent-side threads (Slack) of the removed
	// conversations, whose copies the desk must redact.
	DeskThreads []DeskThread
}

// DeskThread is one message the agent desk posted for a handoff: the
// parent of its thread.
type DeskThread struct {
	HandoffID int64
	Channel   string
	TS        string
}

// Empty reports whether nothing was removed.
func (r Removed) Empty() bool {
	return r.Contacts == 0 && r.Conversations == 0 && r.Messages == 0 && r.Handoffs == 0 && r.Feedback == 0 &&
		r.Deliveries == 0 && r.ChatStates == 0 && len(r.DeskThreads) == 0
}

// String is the one-line summary printed and audited: counts only.
func (r Removed) String() string {
	return fmt.Sprintf("%d contacts, %d conversations, %d messages, %d handoffs, %d feedback, %d deliveries, %d chat states, %d desk threads",
		r.Contacts, r.Conversations, r.Messages, r.Handoffs, r.Feedback, r.Deliveries, r.ChatStates, len(r.DeskThreads))
}

// DeskRedactor is implemented by agent desks that keep copies of client
// messages (Slack): Redact replaces a thread's parent message and the
// desk's own posts in it by a short notice. It blocks on I/O and honours
// ctx; a thread that no longer exists is not an error.
type DeskRedactor interface {
	Redact(ctx context.Context, threads []DeskThread) error
}
