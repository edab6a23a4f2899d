package sqlite

import (
	"context"
	"fmt"
	"time"
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
	_, err := s.w.ExecContext(ctx, `INSERT INTO slack_threads (handoff_id, conv_id, channel, ts, created_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (handoff_id) DO NOTHING`, handoffID, convID, channel, ts, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: save slack thread: %w", err)
	}
	return nil
}

// SlackThreadByHandoff returns the thread of a handoff (bot.ErrNotFound if
// none was posted).
func (s *Store) SlackThreadByHandoff(ctx context.Context, handoffID int64) (channel, ts string, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT channel, ts FROM slack_threads WHERE handoff_id = ?`, handoffID).Scan(&channel, &ts)
	if err != nil {
		return "", "", notFound(err, "load slack thread")
	}
	return channel, ts, nil
}

// SlackHandoffByThread returns the handoff whose thread parent is (channel,
// ts) (bot.ErrNotFound if none).
func (s *Store) SlackHandoffByThread(ctx context.Context, channel, ts string) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT handoff_id FROM slack_threads WHERE channel = ? AND ts = ?`, channel, ts).Scan(&id)
	if err != nil {
		return 0, notFound(err, "load slack thread")
	}
	return id, nil
}

// SlackThreadByConv returns the thread of the latest handoff of a
// conversation (bot.ErrNotFound if none).
func (s *Store) SlackThreadByConv(ctx context.Context, convID int64) (handoffID int64, channel, ts string, err error) {
	err = s.r.QueryRowContext(ctx, `SELECT handoff_id, channel, ts FROM slack_threads WHERE conv_id = ?
		ORDER BY handoff_id DESC LIMIT 1`, convID).Scan(&handoffID, &channel, &ts)
	if err != nil {
		return 0, "", "", notFound(err, "load slack thread")
	}
	return handoffID, channel, ts, nil
}

// MarkSlackEvent records key as processed at at. It reports false when the
// key was recorded before (a retried or doubled delivery). Keys older than
// a week are forgotten.
func (s *Store) MarkSlackEvent(ctx context.Context, key string, at time.Time) (first bool, err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: mark slack event: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM slack_events WHERE at < ?`, at.Add(-slackEventTTL).UnixMilli()); err != nil {
		return false, fmt.Errorf("sqlite: mark slack event: prune: %w", err)
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO slack_events (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, at.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("sqlite: mark slack event: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: mark slack event: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: mark slack event: commit: %w", err)
	}
	return n == 1, nil
}
