package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// PurgeBatch removes the content of up to limit conversations (0: all)
// with no activity since before, and returns what it removed. A purged
// conversation keeps its row, its messages' kind, intent, language,
// verdict and time, its handoffs and feedback (what the reports count);
// its chat id becomes "purged:ID", so the next message of that chat
// starts a new conversation, and its version moves on, so a commit
// decided on the old state fails its version check. Its open handoff is
// closed (no one is left to answer); figures do not change, as only
// handoffs with a CSAT score count by their resolution time.
func PurgeBatch(ctx context.Context, tx Tx, d Dialect, before, at time.Time, limit int) (bot.Removed, error) {
	var rm bot.Removed
	q := `SELECT id, channel, chat_id FROM conversations WHERE purged_at = 0 AND updated_at < ? ORDER BY id`
	args := []any{before.UnixMilli()}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	var convIDs []int64
	chats := map[string][]string{} // channel → chat ids
	err := collect(ctx, tx, q+d.LockSkip, args, func(r Rows) error {
		var id int64
		var channel, chat string
		if err := r.Scan(&id, &channel, &chat); err != nil {
			return err
		}
		convIDs, chats[channel] = append(convIDs, id), append(chats[channel], chat)
		return nil
	})
	if err != nil || len(convIDs) == 0 {
		return rm, wrap("select conversations", err)
	}
	set, ids := in(len(convIDs)), anys(convIDs)
	people, err := authors(ctx, tx, set, ids)
	if err != nil {
		return rm, err
	}
	if err := dropChatStates(ctx, tx, chats, at, &rm); err != nil {
		return rm, err
	}
	if rm.DeskThreads, err = deskThreads(ctx, tx, set, ids); err != nil {
		return rm, err
	}
	steps := []step{
		{nil, "desk threads", `DELETE FROM slack_threads WHERE conv_id IN (` + set + `)`, ids},
		{&rm.Messages, "messages", `UPDATE messages SET text = '', author = '', buttons = '', platform_id = ''
			WHERE conv_id IN (` + set + `)`, ids},
		{&rm.Deliveries, "outbox", `UPDATE outbox SET reply = '{}', chat_id = '', last_error = '', lease_until = 0,
			status = CASE WHEN status = 'pending' THEN 'dead' ELSE status END WHERE conv_id IN (` + set + `)`, ids},
		// An idle handoff leaves the agents' queue: nobody is left to answer.
		{nil, "open handoffs", `UPDATE handoffs SET status = 'resolved', resolved_at = ? WHERE status <> 'resolved'
			AND conv_id IN (` + set + `)`, append([]any{at.UnixMilli()}, ids...)},
		{&rm.Conversations, "conversations", `UPDATE conversations SET chat_id = 'purged:' || id, contact_id = '', dialog = '{}',
			state = CASE WHEN state = 'bot' THEN state ELSE 'resolved' END, handoff_id = 0, version = version + 1, purged_at = ?
			WHERE id IN (` + set + `)`, append([]any{at.UnixMilli()}, ids...)},
	}
	if err := run(ctx, tx, steps); err != nil {
		return rm, err
	}
	return rm, dropContacts(ctx, tx, people, &rm)
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// authors lists the contacts of conversations: who wrote in them.
func authors(ctx context.Context, tx Tx, set string, ids []any) ([]bot.ContactRef, error) {
	var out []bot.ContactRef
	err := collect(ctx, tx, `SELECT channel, contact_id FROM conversations WHERE id IN (`+set+`) AND contact_id <> ''
		UNION SELECT channel, chat_id FROM conversations WHERE id IN (`+set+`)
		UNION SELECT channel, author FROM messages WHERE conv_id IN (`+set+`) AND kind = 'client' AND author <> ''`,
		append(append(append([]any{}, ids...), ids...), ids...), func(r Rows) error {
			var c bot.ContactRef
			if err := r.Scan(&c.Channel, &c.ContactID); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	return out, wrap("contacts of conversations", err)
}

// dropChatStates deletes the delivery state of purged chats, keeping
// their opt-outs under PrefKey.
func dropChatStates(ctx context.Context, tx Tx, chats map[string][]string, at time.Time, rm *bot.Removed) error {
	for channel, ids := range chats {
		if err := keepOptOuts(ctx, tx, channel, ids, at); err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `DELETE FROM chat_state WHERE channel = ? AND chat_id IN (`+in(len(ids))+`)`,
			append([]any{channel}, anys(ids)...)...)
		if err != nil {
			return fmt.Errorf("chat state: %w", err)
		}
		rm.ChatStates += int(n)
	}
	return nil
}

// dropContacts deletes the contact records of people who no longer write
// in any conversation that is not purged.
func dropContacts(ctx context.Context, tx Tx, people []bot.ContactRef, rm *bot.Removed) error {
	for _, p := range people {
		n, err := tx.Exec(ctx, `DELETE FROM contacts WHERE channel = ? AND contact_id = ?
			AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.channel = contacts.channel AND c.purged_at = 0
				AND (c.contact_id = contacts.contact_id OR c.chat_id = contacts.contact_id))
			AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.channel = contacts.channel AND m.kind = 'client'
				AND m.author = contacts.contact_id)`, p.Channel, p.ContactID)
		if err != nil {
			return fmt.Errorf("contacts: %w", err)
		}
		rm.Contacts += int(n)
	}
	return nil
}
