package privacy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hexfit/supportbot/bot"
)

// ownedSQL selects the conversations a contact owns: its own chat, or one
// where it is the last client who wrote and no other client wrote.
const ownedSQL = `SELECT c.id, c.chat_id, c.state, c.lang, c.agent, c.created_at, c.updated_at FROM conversations c
	WHERE c.channel = ? AND (c.chat_id = ? OR (c.contact_id = ? AND NOT EXISTS (SELECT 1 FROM messages m
	WHERE m.conv_id = c.id AND m.kind = 'client' AND m.author <> ? AND m.author <> '')))
	ORDER BY c.id`

// owned lists the conversations of ref (lock: Dialect.Lock or "").
func owned(ctx context.Context, tx Tx, ref bot.ContactRef, lock string) ([]bot.ExportedConversation, error) {
	var out []bot.ExportedConversation
	err := collect(ctx, tx, ownedSQL+lock, []any{ref.Channel, ref.ContactID, ref.ContactID, ref.ContactID}, func(r Rows) error {
		c := bot.ExportedConversation{Channel: ref.Channel}
		var state, lang string
		var created, updated int64
		if err := r.Scan(&c.ID, &c.ChatID, &state, &lang, &c.Agent, &created, &updated); err != nil {
			return err
		}
		c.State, c.Lang, c.CreatedAt, c.UpdatedAt = bot.State(state), bot.Lang(lang), when(created), when(updated)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	return out, nil
}

// Export reads everything held about ref (bot.ErrNotFound when nothing).
func Export(ctx context.Context, tx Tx, ref bot.ContactRef) (bot.ContactExport, error) {
	x := bot.ContactExport{Channel: ref.Channel, ContactID: ref.ContactID}
	var err error
	if x.Contact, err = contact(ctx, tx, ref); err != nil {
		return x, err
	}
	if x.Conversations, err = owned(ctx, tx, ref, ""); err != nil {
		return x, err
	}
	mine := map[int64]bool{}
	for i := range x.Conversations {
		c := &x.Conversations[i]
		mine[c.ID] = true
		if err := fill(ctx, tx, c); err != nil {
			return x, err
		}
	}
	all, err := messages(ctx, tx, `m.channel = ? AND m.kind = 'client' AND m.author = ?`, ref.Channel, ref.ContactID)
	if err != nil {
		return x, err
	}
	for _, m := range all {
		if !mine[m.ConvID] {
			x.Elsewhere = append(x.Elsewhere, m)
		}
	}
	if x.ChatStates, err = chatStates(ctx, tx, ref, x.Conversations); err != nil {
		return x, err
	}
	if x.Contact == nil && len(x.Conversations) == 0 && len(x.Elsewhere) == 0 && len(x.ChatStates) == 0 {
		return x, fmt.Errorf("contact %s: %w", ref.Channel, bot.ErrNotFound)
	}
	return x, nil
}

func contact(ctx context.Context, tx Tx, ref bot.ContactRef) (*bot.ExportedContact, error) {
	var out *bot.ExportedContact
	err := collect(ctx, tx, `SELECT name, lang, audience, created_at, updated_at FROM contacts WHERE channel = ? AND contact_id = ?`,
		[]any{ref.Channel, ref.ContactID}, func(r Rows) error {
			var c bot.ExportedContact
			var lang, aud string
			var created, updated int64
			if err := r.Scan(&c.Name, &lang, &aud, &created, &updated); err != nil {
				return err
			}
			c.Lang, c.Audience, c.CreatedAt, c.UpdatedAt = bot.Lang(lang), bot.Audience(aud), when(created), when(updated)
			out = &c
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("contact: %w", err)
	}
	return out, nil
}

// fill reads a conversation's messages, handoffs, feedback and deliveries.
func fill(ctx context.Context, tx Tx, c *bot.ExportedConversation) error {
	var err error
	if c.Messages, err = messages(ctx, tx, `m.conv_id = ?`, c.ID); err != nil {
		return err
	}
	if c.Handoffs, err = handoffs(ctx, tx, c.ID); err != nil {
		return err
	}
	if c.Feedback, err = feedback(ctx, tx, c.ID); err != nil {
		return err
	}
	c.Deliveries, err = deliveries(ctx, tx, c.ID)
	return err
}

func messages(ctx context.Context, tx Tx, where string, args ...any) ([]bot.ExportedMessage, error) {
	out := []bot.ExportedMessage{}
	err := collect(ctx, tx, `SELECT m.id, m.conv_id, m.at, m.kind, m.author, m.text, m.buttons, m.platform_id, m.intent, m.lang,
		m.verdict FROM messages m WHERE `+where+` ORDER BY m.id`, args, func(r Rows) error {
		var m bot.ExportedMessage
		var at int64
		var buttons, intent, lang, verdict string
		if err := r.Scan(&m.ID, &m.ConvID, &at, &m.Kind, &m.Author, &m.Text, &buttons, &m.PlatformID, &intent, &lang, &verdict); err != nil {
			return err
		}
		m.At, m.Intent, m.Lang, m.Verdict = when(at), bot.Intent(intent), bot.Lang(lang), bot.Verdict(verdict)
		if buttons != "" {
			_ = json.Unmarshal([]byte(buttons), &m.Buttons) // written by the store: a []bot.Button
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	return out, nil
}

func handoffs(ctx context.Context, tx Tx, convID int64) ([]bot.ExportedHandoff, error) {
	out := []bot.ExportedHandoff{}
	err := collect(ctx, tx, `SELECT id, reason, status, agent, lang, created_at, taken_at, resolved_at, csat FROM handoffs
		WHERE conv_id = ? ORDER BY id`, []any{convID}, func(r Rows) error {
		var h bot.ExportedHandoff
		var status, lang string
		var created, taken, resolved int64
		if err := r.Scan(&h.ID, &h.Reason, &status, &h.Agent, &lang, &created, &taken, &resolved, &h.CSAT); err != nil {
			return err
		}
		h.Status, h.Lang = bot.HandoffStatus(status), bot.Lang(lang)
		h.CreatedAt, h.TakenAt, h.ResolvedAt = when(created), when(taken), when(resolved)
		out = append(out, h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("handoffs: %w", err)
	}
	return out, nil
}

func feedback(ctx context.Context, tx Tx, convID int64) ([]bot.ExportedFeedback, error) {
	out := []bot.ExportedFeedback{}
	err := collect(ctx, tx, `SELECT intent, lang, helpful, at FROM feedback WHERE conv_id = ? ORDER BY id`, []any{convID},
		func(r Rows) error {
			var f bot.ExportedFeedback
			var intent, lang string
			var helpful, at int64
			if err := r.Scan(&intent, &lang, &helpful, &at); err != nil {
				return err
			}
			f.Intent, f.Lang, f.Helpful, f.At = bot.Intent(intent), bot.Lang(lang), helpful != 0, when(at)
			out = append(out, f)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("feedback: %w", err)
	}
	return out, nil
}

func deliveries(ctx context.Context, tx Tx, convID int64) ([]bot.ExportedDelivery, error) {
	out := []bot.ExportedDelivery{}
	err := collect(ctx, tx, `SELECT id, msg_id, chat_id, kind, status, attempts, last_error, created_at, sent_at FROM outbox
		WHERE conv_id = ? ORDER BY id`, []any{convID}, func(r Rows) error {
		var d bot.ExportedDelivery
		var status string
		var created, sent int64
		if err := r.Scan(&d.ID, &d.MessageID, &d.ChatID, &d.Kind, &status, &d.Attempts, &d.LastError, &created, &sent); err != nil {
			return err
		}
		d.Status, d.CreatedAt, d.SentAt = bot.OutboxStatus(status), when(created), when(sent)
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	return out, nil
}

// chatKeys are the chats whose delivery state belongs to ref: its own id
// and the chats of its conversations.
func chatKeys(ref bot.ContactRef, convs []bot.ExportedConversation) []string {
	keys := []string{ref.ContactID}
	for _, c := range convs {
		if c.ChatID != ref.ContactID {
			keys = append(keys, c.ChatID)
		}
	}
	return keys
}

func chatStates(ctx context.Context, tx Tx, ref bot.ContactRef, convs []bot.ExportedConversation) ([]bot.ExportedChatState, error) {
	keys := chatKeys(ref, convs)
	var out []bot.ExportedChatState
	err := collect(ctx, tx, `SELECT chat_id, opted_out, last_inbound FROM chat_state WHERE channel = ? AND chat_id IN (`+in(len(keys))+`)
		ORDER BY chat_id`, append([]any{ref.Channel}, anys(keys)...), func(r Rows) error {
		var s bot.ExportedChatState
		var out2 flag
		var last int64
		if err := r.Scan(&s.ChatID, &out2, &last); err != nil {
			return err
		}
		s.OptedOut, s.LastInbound = bool(out2), when(last)
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("chat state: %w", err)
	}
	return out, nil
}
