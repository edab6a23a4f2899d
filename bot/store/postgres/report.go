package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hexfit/supportbot/bot"
)

// Report implements bot.Store with the same definitions as the SQLite
// store. The queries run in one REPEATABLE READ snapshot so the figures
// agree with each other while instances keep writing.
func (s *Store) Report(ctx context.Context, since time.Time, maxUnmatched int) (bot.ReportData, error) {
	d := bot.ReportData{Since: since, Unhelpful: map[bot.Intent]int{}, TopIntents: map[bot.Lang][]bot.IntentCount{}}
	t := ms(since)
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return d, fmt.Errorf("postgres: report: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	one := func(dst *int, q string, args ...any) error {
		if err := tx.QueryRow(ctx, q, args...).Scan(dst); err != nil {
			return fmt.Errorf("postgres: report: %w", err)
		}
		return nil
	}
	if err := one(&d.Conversations, `SELECT COUNT(DISTINCT conv_id) FROM messages WHERE kind = 'client' AND at >= $1`, t); err != nil {
		return d, err
	}
	if err := one(&d.HandedOff, `SELECT COUNT(DISTINCT conv_id) FROM handoffs WHERE created_at >= $1`, t); err != nil {
		return d, err
	}
	// Resolved by the bot: the client said an answer helped and no human was
	// involved in that period.
	if err := one(&d.ResolvedByBot, `SELECT COUNT(DISTINCT f.conv_id) FROM feedback f WHERE f.helpful = 1 AND f.at >= $1
		AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conv_id = f.conv_id AND h.created_at >= $1)`, t); err != nil {
		return d, err
	}
	var sum int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(csat), 0) FROM handoffs WHERE csat > 0 AND resolved_at >= $1`,
		t).Scan(&d.CSATCount, &sum); err != nil {
		return d, fmt.Errorf("postgres: report csat: %w", err)
	}
	if d.CSATCount > 0 {
		d.CSATAverage = float64(sum) / float64(d.CSATCount)
	}
	rows, err := tx.Query(ctx, `SELECT intent, COUNT(*) FROM feedback WHERE helpful = 0 AND at >= $1 GROUP BY intent`, t)
	if err != nil {
		return d, fmt.Errorf("postgres: report unhelpful: %w", err)
	}
	for rows.Next() {
		var in string
		var n int
		if err := rows.Scan(&in, &n); err != nil {
			rows.Close()
			return d, fmt.Errorf("postgres: report unhelpful: %w", err)
		}
		d.Unhelpful[bot.Intent(in)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("postgres: report unhelpful: %w", err)
	}
	rows, err = tx.Query(ctx, `SELECT lang, intent, COUNT(*) AS n FROM messages
		WHERE kind = 'client' AND at >= $1 AND intent <> '' AND intent <> 'none'
		GROUP BY lang, intent ORDER BY lang, n DESC, intent`, t)
	if err != nil {
		return d, fmt.Errorf("postgres: report intents: %w", err)
	}
	for rows.Next() {
		var lang, in string
		var n int
		if err := rows.Scan(&lang, &in, &n); err != nil {
			rows.Close()
			return d, fmt.Errorf("postgres: report intents: %w", err)
		}
		d.TopIntents[bot.Lang(lang)] = append(d.TopIntents[bot.Lang(lang)], bot.IntentCount{Intent: bot.Intent(in), Count: n})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, fmt.Errorf("postgres: report intents: %w", err)
	}
	if err := one(&d.UnmatchedTotal, `SELECT COUNT(*) FROM messages WHERE kind = 'client' AND verdict = 'none' AND at >= $1`, t); err != nil {
		return d, err
	}
	rows, err = tx.Query(ctx, `SELECT `+entryCols+` FROM messages WHERE kind = 'client' AND verdict = 'none' AND at >= $1
		ORDER BY at DESC, id DESC LIMIT $2`, t, maxUnmatched)
	if err != nil {
		return d, fmt.Errorf("postgres: report unmatched: %w", err)
	}
	if d.Unmatched, err = scanEntries(rows); err != nil {
		return d, fmt.Errorf("postgres: report unmatched: %w", err)
	}
	return d, nil
}
