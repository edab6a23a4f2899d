package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// keepPrefs saves, under PrefKey, what must survive ref's erasure: its
// language and the opt-out state of its chats.
func keepPrefs(ctx context.Context, tx Tx, ref bot.ContactRef, convs []bot.ExportedConversation, at time.Time) error {
	var lang string
	err := collect(ctx, tx, `SELECT lang FROM contacts WHERE channel = ? AND contact_id = ?`, []any{ref.Channel, ref.ContactID},
		func(r Rows) error { return r.Scan(&lang) })
	if err != nil {
		return fmt.Errorf("contact language: %w", err)
	}
	if lang == "" && len(convs) > 0 {
		lang = string(convs[len(convs)-1].Lang)
	}
	if lang != "" {
		if _, err := tx.Exec(ctx, `INSERT INTO contact_prefs (key, lang, opted_out, updated_at) VALUES (?, ?, 0, ?)
			ON CONFLICT (key) DO UPDATE SET lang = excluded.lang, updated_at = excluded.updated_at`,
			bot.PrefKey(ref.Channel, ref.ContactID), lang, at.UnixMilli()); err != nil {
			return fmt.Errorf("keep language: %w", err)
		}
	}
	return keepOptOuts(ctx, tx, ref.Channel, chatKeys(ref, convs), at)
}

// keepOptOuts copies the opt-out state of chats into contact_prefs before
// their chat_state rows are deleted: an opt-out is kept, a later START
// clears one kept before.
func keepOptOuts(ctx context.Context, tx Tx, channel string, chats []string, at time.Time) error {
	if len(chats) == 0 {
		return nil
	}
	state := map[string]bool{}
	err := collect(ctx, tx, `SELECT chat_id, opted_out FROM chat_state WHERE channel = ? AND chat_id IN (`+in(len(chats))+`)`,
		append([]any{channel}, anys(chats)...), func(r Rows) error {
			var id string
			var out flag
			if err := r.Scan(&id, &out); err != nil {
				return err
			}
			state[id] = bool(out)
			return nil
		})
	if err != nil {
		return fmt.Errorf("opt-outs: %w", err)
	}
	for id, out := range state {
		q := `UPDATE contact_prefs SET opted_out = 0, updated_at = ? WHERE key = ?`
		args := []any{at.UnixMilli(), bot.PrefKey(channel, id)}
		if out {
			q = `INSERT INTO contact_prefs (key, lang, opted_out, updated_at) VALUES (?, '', 1, ?)
				ON CONFLICT (key) DO UPDATE SET opted_out = 1, updated_at = excluded.updated_at`
			args = []any{bot.PrefKey(channel, id), at.UnixMilli()}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("keep opt-out: %w", err)
		}
	}
	return nil
}
