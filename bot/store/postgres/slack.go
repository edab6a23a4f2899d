package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The methods below back the Slack agent inbox (channels/slack.Threads):
// the durable mapping handoff ↔ Slack thread and the idempotency keys of
// Slack messages already acted on. Migration 005_slack.sql.

// slackEventTTL is how long a processed Slack message key is remembered;
// Slack stops retrying an event after about an hour.
const slackEventTTL = 7 * 24 * time.Hour

// SaveSlackThread records the Slack thread (channel, parent ts) of a
// handoff. Saving the same handoff again keeps the first thread.
func (s *Store) SaveSlackThread(ctx context.Context, handoffID, convID int64, channel, ts string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO slack_threads (handoff_id, conv_id, channel, ts, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (handoff_id) DO NOTHING`, handoffID, convID, channel, ts, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("postgres: save slack thread: %w", err)
	}
	return nil
}

// SlackThreadByHandoff returns the thread of a handoff (bot.ErrNotFound if
// none was posted).
func (s *Store) SlackThreadByHandoff(ctx context.Context, handoffID int64) (channel, ts string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT channel, ts FROM slack_threads WHERE handoff_id = $1`, handoffID).Scan(&channel, &ts)
	if err != nil {
		return "", "", notFound(err, "load slack thread")
	}
	return channel, ts, nil
}

// SlackHandoffByThread returns the handoff whose thread parent is (channel,
// ts) (bot.ErrNotFound if none).
func (s *Store) SlackHandoffByThread(ctx context.Context, channel, ts string) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT handoff_id FROM slack_threads WHERE channel = $1 AND ts = $2`, channel, ts).Scan(&id)
	if err != nil {
		return 0, notFound(err, "load slack thread")
	}
	return id, nil
}

// SlackThreadByConv returns the thread of the latest handoff of a
// conversation (bot.ErrNotFound if none).
func (s *Store) SlackThreadByConv(ctx context.Context, convID int64) (handoffID int64, channel, ts string, err error) {
	err = s.pool.QueryRow(ctx, `SELECT handoff_id, channel, ts FROM slack_threads WHERE conv_id = $1
		ORDER BY handoff_id DESC LIMIT 1`, convID).Scan(&handoffID, &channel, &ts)
	if err != nil {
		return 0, "", "", notFound(err, "load slack thread")
	}
	return handoffID, channel, ts, nil
}

// MarkSlackEvent records key as processed at at. It reports false when the
// key was recorded before (a retried or doubled delivery, possibly to
// another instance). Keys older than a week are forgotten.
func (s *Store) MarkSlackEvent(ctx context.Context, key string, at time.Time) (first bool, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM slack_events WHERE at < $1`, at.Add(-slackEventTTL).UnixMilli()); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
		ct, err := tx.Exec(ctx, `INSERT INTO slack_events (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, at.UnixMilli())
		if err != nil {
			return err
		}
		first = ct.RowsAffected() == 1
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("postgres: mark slack event: %w", err)
	}
	return first, nil
}
