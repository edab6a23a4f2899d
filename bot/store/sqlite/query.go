package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hexfit/supportbot/bot"
)

const convCols = `id, channel, chat_id, contact_id, state, lang, audience, agent, handoff_id, caps, dialog, version, created_at, updated_at`

func scanConv(row interface{ Scan(...any) error }) (bot.Conversation, error) {
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
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", what, bot.ErrNotFound)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// Conversation implements bot.Store.
func (s *Store) Conversation(ctx context.Context, channel, chatID string) (bot.Conversation, error) {
	c, err := scanConv(s.stmts.convByKey.QueryRowContext(ctx, channel, chatID))
	if err != nil {
		return c, notFound(err, "load conversation")
	}
	return c, nil
}

// ConversationByID implements bot.Store.
func (s *Store) ConversationByID(ctx context.Context, id int64) (bot.Conversation, error) {
	c, err := scanConv(s.r.QueryRowContext(ctx, `SELECT `+convCols+` FROM conversations WHERE id = ?`, id))
	if err != nil {
		return c, notFound(err, "load conversation")
	}
	return c, nil
}

// contactSQL reads a contact, or, after its erasure, the language kept
// under its bot.PrefKey ($3).
const contactSQL = `SELECT name, lang, audience FROM (
	SELECT 0 AS p, name, lang, audience FROM contacts WHERE channel = ?1 AND contact_id = ?2
	UNION ALL SELECT 1, '', lang, '' FROM contact_prefs WHERE key = ?3 AND lang <> '') ORDER BY p LIMIT 1`

// Contact implements bot.Store. After an erasure it finds only the
// language that survived it (bot.Privacy).
func (s *Store) Contact(ctx context.Context, channel, contactID string) (bot.Contact, error) {
	c := bot.Contact{Channel: channel, ContactID: contactID}
	var lang, aud string
	err := s.stmts.contact.QueryRowContext(ctx, channel, contactID, bot.PrefKey(channel, contactID)).Scan(&c.Name, &lang, &aud)
	if err != nil {
		return c, notFound(err, "load contact")
	}
	c.Lang, c.Audience = bot.Lang(lang), bot.Audience(aud)
	return c, nil
}

const handoffCols = `h.id, h.conv_id, c.channel, c.chat_id, c.contact_id, h.lang, c.audience, h.reason, h.status, h.agent,
	h.created_at, h.taken_at, h.resolved_at, h.notice_at, h.csat`

func scanHandoffs(rows *sql.Rows) ([]bot.Handoff, error) {
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

// Handoffs implements bot.Store.
func (s *Store) Handoffs(ctx context.Context, statuses ...bot.HandoffStatus) ([]bot.Handoff, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	args := make([]any, len(statuses))
	for i, st := range statuses {
		args[i] = string(st)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+handoffCols+` FROM handoffs h JOIN conversations c ON c.id = h.conv_id
		WHERE h.status IN (`+placeholders(len(args))+`) ORDER BY h.created_at, h.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list handoffs: %w", err)
	}
	hs, err := scanHandoffs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list handoffs: %w", err)
	}
	return hs, nil
}

// Handoff implements bot.Store.
func (s *Store) Handoff(ctx context.Context, id int64) (bot.Handoff, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+handoffCols+` FROM handoffs h JOIN conversations c ON c.id = h.conv_id
		WHERE h.id = ?`, id)
	if err != nil {
		return bot.Handoff{}, fmt.Errorf("sqlite: load handoff: %w", err)
	}
	hs, err := scanHandoffs(rows)
	if err != nil {
		return bot.Handoff{}, fmt.Errorf("sqlite: load handoff: %w", err)
	}
	if len(hs) == 0 {
		return bot.Handoff{}, fmt.Errorf("sqlite: handoff %d: %w", id, bot.ErrNotFound)
	}
	return hs[0], nil
}

// StaleHandoffs implements bot.Store.
func (s *Store) StaleHandoffs(ctx context.Context, olderThan time.Time) ([]bot.Handoff, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+handoffCols+` FROM handoffs h JOIN conversations c ON c.id = h.conv_id
		WHERE h.status = 'waiting' AND h.notice_at = 0 AND h.created_at < ? ORDER BY h.created_at, h.id`, ms(olderThan))
	if err != nil {
		return nil, fmt.Errorf("sqlite: stale handoffs: %w", err)
	}
	hs, err := scanHandoffs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: stale handoffs: %w", err)
	}
	return hs, nil
}

// Transcript implements bot.Store.
func (s *Store) Transcript(ctx context.Context, convID, afterID int64, limit int) ([]bot.Entry, error) {
	q := `SELECT id, conv_id, kind, author, text, buttons, platform_id, intent, lang, verdict, confidence, at
		FROM messages WHERE conv_id = ? AND id > ? ORDER BY id`
	args := []any{convID, afterID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: transcript: %w", err)
	}
	es, err := scanEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: transcript: %w", err)
	}
	return es, nil
}

func scanEntries(rows *sql.Rows) ([]bot.Entry, error) {
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

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
