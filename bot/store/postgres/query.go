package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hexfit/supportbot/bot"
)

const convCols = `id, channel, chat_id, contact_id, state, lang, audience, agent, handoff_id, caps, dialog, version, created_at, updated_at`

func scanConv(row pgx.Row) (bot.Conversation, error) {
	var c bot.Conversation
	var state, lang, aud, caps, dialog string
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Channel, &c.ChatID, &c.ContactID, &state, &lang, &aud, &c.Agent, &c.HandoffID,
		&caps, &dialog, &c.Version, &created, &updated); err != nil {
		return c, err
	}
	c.State, c.Lang, c.Audience = bot.State(state), bot.Lang(lang), bot.Audience(aud)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(caps), &c.Caps); err != nil {
		return c, fmt.Errorf("decode caps: %w", err)
	}
	if err := json.Unmarshal([]byte(dialog), &c.Dialog); err != nil {
		return c, fmt.Errorf("decode dialog: %w", err)
	}
	return c, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, bot.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}

// The reads of a chat's conversation and of a contact.
const (
	convByChat = `SELECT ` + convCols + ` FROM conversations WHERE channel = $1 AND chat_id = $2`
	// contactSQL finds, after an erasure, only the language kept under
	// the contact's bot.PrefKey ($3).
	contactSQL = `SELECT name, lang, audience FROM (
		SELECT 0 AS p, name, lang, audience FROM contacts WHERE channel = $1 AND contact_id = $2
		UNION ALL SELECT 1, '', lang, '' FROM contact_prefs WHERE key = $3 AND lang <> '') x ORDER BY p LIMIT 1`
)

// scanContact reads a contactSQL row.
func scanContact(r pgx.Row, channel, contactID string) (bot.Contact, error) {
	c := bot.Contact{Channel: channel, ContactID: contactID}
	var lang, aud string
	if err := r.Scan(&c.Name, &lang, &aud); err != nil {
		return c, err
	}
	c.Lang, c.Audience = bot.Lang(lang), bot.Audience(aud)
	return c, nil
}

// Conversation implements bot.Store.
func (s *Store) Conversation(ctx context.Context, channel, chatID string) (bot.Conversation, error) {
	c, err := scanConv(s.pool.QueryRow(ctx, convByChat, channel, chatID))
	if err != nil {
		return c, notFound(err, "load conversation")
	}
	return c, nil
}

// ConversationByID implements bot.Store.
func (s *Store) ConversationByID(ctx context.Context, id int64) (bot.Conversation, error) {
	c, err := scanConv(s.pool.QueryRow(ctx, `SELECT `+convCols+` FROM conversations WHERE id = $1`, id))
	if err != nil {
		return c, notFound(err, "load conversation")
	}
	return c, nil
}

// chatKey is what LoadChat reads.
type chatKey struct{ channel, chatID, contactID string }

// LoadChat implements bot.ChatLoader: both reads in one pipelined batch,
// one round trip, shared with the LoadChats in flight at the same time
// (loadGroup).
func (s *Store) LoadChat(ctx context.Context, channel, chatID, contactID string) (bot.ChatState, error) {
	cs, err := s.loads.do(ctx, chatKey{channel, chatID, contactID})
	if err != nil {
		return bot.ChatState{}, fmt.Errorf("postgres: load chat: %w", err)
	}
	return cs, nil
}

// loadGroup reads the chats of ks in one batch.
func (s *Store) loadGroup(ctx context.Context, ks []chatKey) ([]bot.ChatState, []error) {
	return readGroup(ctx, s.pool, ks, queueLoadChat)
}

// readGroup runs the reads that queue queues for each key in one batch.
// Reads change nothing, so when the batch fails each key is read again
// alone, and only its own error is its answer. Callers wrap the errors.
func readGroup[K, V any](ctx context.Context, pool *pgxpool.Pool, ks []K, queue func(*pgx.Batch, K, *V)) ([]V, []error) {
	outs, errs := make([]V, len(ks)), make([]error, len(ks))
	b := &pgx.Batch{}
	for i, k := range ks {
		queue(b, k, &outs[i])
	}
	err := pool.SendBatch(ctx, b).Close()
	switch {
	case err == nil:
	case len(ks) == 1:
		errs[0] = err
	default:
		eachAlone(len(ks), func(i int) {
			o, e := readGroup(ctx, pool, ks[i:i+1], queue)
			outs[i], errs[i] = o[0], e[0]
		})
	}
	return outs, errs
}

// queueLoadChat queues the reads of k's conversation and contact, to be
// scanned into cs.
func queueLoadChat(b *pgx.Batch, k chatKey, cs *bot.ChatState) {
	b.Queue(convByChat, k.channel, k.chatID).QueryRow(func(r pgx.Row) error {
		c, err := scanConv(r)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		cs.Conversation, cs.ConversationFound = c, err == nil
		return err
	})
	b.Queue(contactSQL, k.channel, k.contactID, bot.PrefKey(k.channel, k.contactID)).QueryRow(func(r pgx.Row) error {
		c, err := scanContact(r, k.channel, k.contactID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		cs.Contact, cs.ContactFound = c, err == nil
		return err
	})
}

// Contact implements bot.Store.
func (s *Store) Contact(ctx context.Context, channel, contactID string) (bot.Contact, error) {
	c, err := scanContact(s.pool.QueryRow(ctx, contactSQL, channel, contactID, bot.PrefKey(channel, contactID)), channel, contactID)
	if err != nil {
		return c, notFound(err, "load contact")
	}
	return c, nil
}

const handoffCols = `h.id, h.conv_id, c.channel, c.chat_id, c.contact_id, h.lang, c.audience, h.reason, h.status, h.agent,
	h.created_at, h.taken_at, h.resolved_at, h.notice_at, h.csat`

func scanHandoffs(rows pgx.Rows) ([]bot.Handoff, error) {
	defer rows.Close()
	var out []bot.Handoff
	for rows.Next() {
		var h bot.Handoff
		var lang, aud, status string
		var created, taken, resolved, notice int64
		if err := rows.Scan(&h.ID, &h.ConvID, &h.Channel, &h.ChatID, &h.ContactID, &lang, &aud, &h.Reason, &status,
			&h.Agent, &created, &taken, &resolved, &notice, &h.CSAT); err != nil {
			return nil, err
		}
		h.Lang, h.Audience, h.Status = bot.Lang(lang), bot.Audience(aud), bot.HandoffStatus(status)
		h.CreatedAt, h.TakenAt, h.ResolvedAt, h.NoticeAt = fromMS(created), fromMS(taken), fromMS(resolved), fromMS(notice)
		out = append(out, h)
	}
	return out, rows.Err()
}

// handoffs runs a handoff query with wrapped errors.
func (s *Store) handoffs(ctx context.Context, what, where string, args ...any) ([]bot.Handoff, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+handoffCols+` FROM handoffs h JOIN conversations c ON c.id = h.conv_id
		WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	hs, err := scanHandoffs(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	return hs, nil
}

// Handoffs implements bot.Store.
func (s *Store) Handoffs(ctx context.Context, statuses ...bot.HandoffStatus) ([]bot.Handoff, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	sts := make([]string, len(statuses))
	for i, st := range statuses {
		sts[i] = string(st)
	}
	return s.handoffs(ctx, "list handoffs", `h.status = ANY($1) ORDER BY h.created_at, h.id`, sts)
}

// Handoff implements bot.Store.
func (s *Store) Handoff(ctx context.Context, id int64) (bot.Handoff, error) {
	hs, err := s.handoffs(ctx, "load handoff", `h.id = $1`, id)
	if err != nil {
		return bot.Handoff{}, err
	}
	if len(hs) == 0 {
		return bot.Handoff{}, fmt.Errorf("postgres: handoff %d: %w", id, bot.ErrNotFound)
	}
	return hs[0], nil
}

// StaleHandoffs implements bot.Store.
func (s *Store) StaleHandoffs(ctx context.Context, olderThan time.Time) ([]bot.Handoff, error) {
	return s.handoffs(ctx, "stale handoffs",
		`h.status = 'waiting' AND h.notice_at = 0 AND h.created_at < $1 ORDER BY h.created_at, h.id`, ms(olderThan))
}

const entryCols = `id, conv_id, kind, author, text, buttons, platform_id, intent, lang, verdict, confidence, at`

// Transcript implements bot.Store.
func (s *Store) Transcript(ctx context.Context, convID, afterID int64, limit int) ([]bot.Entry, error) {
	q := `SELECT ` + entryCols + ` FROM messages WHERE conv_id = $1 AND id > $2 ORDER BY id`
	args := []any{convID, afterID}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: transcript: %w", err)
	}
	es, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: transcript: %w", err)
	}
	return es, nil
}

func scanEntries(rows pgx.Rows) ([]bot.Entry, error) {
	defer rows.Close()
	var out []bot.Entry
	for rows.Next() {
		var e bot.Entry
		var buttons, intent, lang, verdict string
		var at int64
		if err := rows.Scan(&e.ID, &e.ConvID, &e.Kind, &e.Author, &e.Text, &buttons, &e.PlatformID, &intent, &lang,
			&verdict, &e.Confidence, &at); err != nil {
			return nil, err
		}
		e.Buttons, e.Intent, e.Lang, e.Verdict, e.At = decodeButtons(buttons), bot.Intent(intent), bot.Lang(lang), bot.Verdict(verdict), fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
