package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// SetOptOut records that a chat opted out of (or back into) messages.
func (s *Store) SetOptOut(ctx context.Context, channel, chatID string, out bool) error {
	v := 0
	if out {
		v = 1
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO chat_state (channel, chat_id, opted_out) VALUES (?, ?, ?)
		ON CONFLICT (channel, chat_id) DO UPDATE SET opted_out = excluded.opted_out`, channel, chatID, v)
	if err != nil {
		return fmt.Errorf("sqlite: set opt-out: %w", err)
	}
	return nil
}

// OptedOut reports whether a chat opted out; an unknown chat has not,
// unless it opted out before an erasure or a purge (bot.Privacy).
func (s *Store) OptedOut(ctx context.Context, channel, chatID string) (bool, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT opted_out FROM (
		SELECT 0 AS p, opted_out FROM chat_state WHERE channel = ?1 AND chat_id = ?2
		UNION ALL SELECT 1, opted_out FROM contact_prefs WHERE key = ?3) ORDER BY p LIMIT 1`,
		channel, chatID, bot.PrefKey(channel, chatID)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sqlite: load opt-out: %w", err)
	}
	return v == 1, nil
}

// SetLastInbound records an inbound message at t; it never moves back.
func (s *Store) SetLastInbound(ctx context.Context, channel, chatID string, t time.Time) error {
	// A new row starts with the opt-out kept by an erasure or a purge.
	_, err := s.w.ExecContext(ctx, `INSERT INTO chat_state (channel, chat_id, last_inbound, opted_out)
		VALUES (?1, ?2, ?3, COALESCE((SELECT opted_out FROM contact_prefs WHERE key = ?4), 0))
		ON CONFLICT (channel, chat_id) DO UPDATE SET last_inbound = MAX(last_inbound, excluded.last_inbound)`,
		channel, chatID, ms(t), bot.PrefKey(channel, chatID))
	if err != nil {
		return fmt.Errorf("sqlite: set last inbound: %w", err)
	}
	return nil
}

// LastInbound returns when the chat last wrote; zero when never.
func (s *Store) LastInbound(ctx context.Context, channel, chatID string) (time.Time, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT last_inbound FROM chat_state WHERE channel = ? AND chat_id = ?`, channel, chatID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) || v == 0 {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: load last inbound: %w", err)
	}
	return fromMS(v), nil
}
