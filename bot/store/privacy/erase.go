package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Erase deletes everything Export reads about ref and records an audit
// line without it; the language and opt-outs are kept under PrefKey.
// Nothing held: bot.ErrNotFound.
func Erase(ctx context.Context, tx Tx, d Dialect, ref bot.ContactRef, at time.Time) (bot.Removed, error) {
	var rm bot.Removed
	if d.Lock != "" {
		// Every conversation this erasure changes, locked at once in id
		// order (as commits lock them), so neither waits on the other.
		if _, err := ids(ctx, tx, `SELECT id FROM conversations WHERE channel = ? AND (chat_id = ? OR contact_id = ?)
			ORDER BY id`+d.Lock, ref.Channel, ref.ContactID, ref.ContactID); err != nil {
			return rm, fmt.Errorf("lock conversations: %w", err)
		}
	}
	convs, err := owned(ctx, tx, ref, "")
	if err != nil {
		return rm, err
	}
	if err := keepPrefs(ctx, tx, ref, convs, at); err != nil {
		return rm, err
	}
	convIDs := make([]int64, len(convs))
	for i, c := range convs {
		convIDs[i] = c.ID
	}
	if err := dropConversations(ctx, tx, convIDs, &rm); err != nil {
		return rm, err
	}
	keys := chatKeys(ref, convs)
	steps := []step{
		{&rm.Messages, "shared messages", `DELETE FROM messages WHERE channel = ? AND kind = 'client' AND author = ?`,
			[]any{ref.Channel, ref.ContactID}},
		{nil, "shared conversations", `UPDATE conversations SET contact_id = '' WHERE channel = ? AND contact_id = ?`,
			[]any{ref.Channel, ref.ContactID}},
		{&rm.Contacts, "contact", `DELETE FROM contacts WHERE channel = ? AND contact_id = ?`, []any{ref.Channel, ref.ContactID}},
		{&rm.ChatStates, "chat state", `DELETE FROM chat_state WHERE channel = ? AND chat_id IN (` + in(len(keys)) + `)`,
			append([]any{ref.Channel}, anys(keys)...)},
	}
	if err := run(ctx, tx, steps); err != nil {
		return rm, err
	}
	if rm.Empty() {
		return rm, fmt.Errorf("contact %s: %w", ref.Channel, bot.ErrNotFound)
	}
	if err := Audit(ctx, tx, at, "erase", "contact on "+ref.Channel+": "+rm.String()); err != nil {
		return rm, err
	}
	return rm, nil
}

// dropConversations deletes conversations with everything that hangs on
// them, children first, and collects their desk threads.
func dropConversations(ctx context.Context, tx Tx, convIDs []int64, rm *bot.Removed) error {
	if len(convIDs) == 0 {
		return nil
	}
	set, args := in(len(convIDs)), anys(convIDs)
	threads, err := deskThreads(ctx, tx, set, args)
	if err != nil {
		return err
	}
	rm.DeskThreads = append(rm.DeskThreads, threads...)
	for _, s := range []struct {
		n     *int
		table string
	}{{nil, "slack_threads"}, {&rm.Deliveries, "outbox"}, {&rm.Feedback, "feedback"}, {&rm.Handoffs, "handoffs"},
		{&rm.Messages, "messages"}} {
		n, err := tx.Exec(ctx, `DELETE FROM `+s.table+` WHERE conv_id IN (`+set+`)`, args...)
		if err != nil {
			return fmt.Errorf("delete %s: %w", s.table, err)
		}
		if s.n != nil {
			*s.n += int(n)
		}
	}
	n, err := tx.Exec(ctx, `DELETE FROM conversations WHERE id IN (`+set+`)`, args...)
	if err != nil {
		return fmt.Errorf("delete conversations: %w", err)
	}
	rm.Conversations += int(n)
	return nil
}

func deskThreads(ctx context.Context, tx Tx, set string, args []any) ([]bot.DeskThread, error) {
	var out []bot.DeskThread
	err := collect(ctx, tx, `SELECT handoff_id, channel, ts FROM slack_threads WHERE conv_id IN (`+set+`) ORDER BY handoff_id`, args,
		func(r Rows) error {
			var t bot.DeskThread
			if err := r.Scan(&t.HandoffID, &t.Channel, &t.TS); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("desk threads: %w", err)
	}
	return out, nil
}

// Audit records that an erasure or a purge happened; detail holds counts,
// never whom.
func Audit(ctx context.Context, tx Tx, at time.Time, action, detail string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, action, detail) VALUES (?, ?, ?)`, at.UnixMilli(), action, detail); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// step is one statement of an erasure or a purge; n, when set, adds the
// rows it changed.
type step struct {
	n    *int
	what string
	q    string
	args []any
}

func run(ctx context.Context, tx Tx, steps []step) error {
	for _, s := range steps {
		n, err := tx.Exec(ctx, s.q, s.args...)
		if err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		if s.n != nil {
			*s.n += int(n)
		}
	}
	return nil
}

// Add sums two counts.
func Add(a, b bot.Removed) bot.Removed {
	a.Contacts += b.Contacts
	a.Conversations += b.Conversations
	a.Messages += b.Messages
	a.Handoffs += b.Handoffs
	a.Feedback += b.Feedback
	a.Deliveries += b.Deliveries
	a.ChatStates += b.ChatStates
	a.DeskThreads = append(a.DeskThreads, b.DeskThreads...)
	return a
}
