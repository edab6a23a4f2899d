package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hexfit/supportbot/bot"
)

// The methods below implement channels/twilio.Store (migration
// 003_chat_state.sql), as the SQLite store does.

// SetOptOut records that a chat opted out of (or back into) messages.
func (s *Store) SetOptOut(ctx context.Context, channel, chatID string, out bool) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO chat_state (channel, chat_id, opted_out) VALUES ($1, $2, $3)
		ON CONFLICT (channel, chat_id) DO UPDATE SET opted_out = excluded.opted_out`, channel, chatID, out)
	if err != nil {
		return fmt.Errorf("postgres: set opt-out: %w", err)
	}
	return nil
}

// OptedOut reports whether a chat opted out; an unknown chat has not,
// unless it opted out before an erasure or a purge (bot.Privacy).
func (s *Store) OptedOut(ctx context.Context, channel, chatID string) (bool, error) {
	st, err := s.chatStates.do(ctx, chatKey{channel: channel, chatID: chatID})
	if err != nil {
		return false, fmt.Errorf("postgres: load opt-out: %w", err)
	}
	return st.optedOut, nil
}

// SetLastInbound records an inbound message at t; it never moves back,
// even when instances record out of order.
func (s *Store) SetLastInbound(ctx context.Context, channel, chatID string, t time.Time) error {
	// A new row starts with the opt-out kept by an erasure or a purge.
	_, err := s.pool.Exec(ctx, `INSERT INTO chat_state (channel, chat_id, last_inbound, opted_out)
		VALUES ($1, $2, $3, COALESCE((SELECT opted_out = 1 FROM contact_prefs WHERE key = $4), FALSE))
		ON CONFLICT (channel, chat_id) DO UPDATE SET last_inbound = GREATEST(chat_state.last_inbound, excluded.last_inbound)`,
		channel, chatID, ms(t), bot.PrefKey(channel, chatID))
	if err != nil {
		return fmt.Errorf("postgres: set last inbound: %w", err)
	}
	return nil
}

// LastInbound returns when the chat last wrote; zero when never.
func (s *Store) LastInbound(ctx context.Context, channel, chatID string) (time.Time, error) {
	st, err := s.chatStates.do(ctx, chatKey{channel: channel, chatID: chatID})
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: load last inbound: %w", err)
	}
	return fromMS(st.lastInbound), nil
}

// chatState is a chat_state row; the zero value is an unknown chat's.
type chatState struct {
	optedOut    bool
	lastInbound int64
}

// chatStateGroup reads the chat_state rows of ks in one batch: the SMS
// channel checks the opt-out before every send, from many goroutines.
func (s *Store) chatStateGroup(ctx context.Context, ks []chatKey) ([]chatState, []error) {
	return readGroup(ctx, s.pool, ks, func(b *pgx.Batch, k chatKey, st *chatState) {
		b.Queue(`SELECT opted_out, last_inbound FROM (
			SELECT 0 AS p, opted_out, last_inbound FROM chat_state WHERE channel = $1 AND chat_id = $2
			UNION ALL SELECT 1, opted_out = 1, 0 FROM contact_prefs WHERE key = $3) x ORDER BY p LIMIT 1`,
			k.channel, k.chatID, bot.PrefKey(k.channel, k.chatID)).
			QueryRow(func(r pgx.Row) error {
				err := r.Scan(&st.optedOut, &st.lastInbound)
				if errors.Is(err, pgx.ErrNoRows) {
					return nil
				}
				return err
			})
	})
}
