package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Report implements bot.Store.
func (s *Store) Report(ctx context.Context, since time.Time, maxUnmatched int) (bot.ReportData, error) {
	d := bot.ReportData{Since: since, Unhelpful: map[bot.Intent]int{}, TopIntents: map[bot.Lang][]bot.IntentCount{}}
	t := ms(since)
	one := func(dst *int, q string, args ...any) error {
		if err := s.r.QueryRowContext(ctx, q, args...).Scan(dst); err != nil {
			return fmt.Errorf("sqlite: report: %w", err)
		}
		return nil
	}
	if err := one(&d.Conversations, `SELECT COUNT(DISTINCT conv_id) FROM messages WHERE kind = 'client' AND at >= ?`, t); err != nil {
		return d, err
	}
	if err := one(&d.HandedOff, `SELECT COUNT(DISTINCT conv_id) FROM handoffs WHERE created_at >= ?`, t); err != nil {
		return d, err
	}
	// Resolved by the bot: the client said an answer helped and no human was
	// involved in that period.
	if err := one(&d.ResolvedByBot, `SELECT COUNT(DISTINCT f.conv_id) FROM feedback f WHERE f.helpful = 1 AND f.at >= ?
		AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conv_id = f.conv_id AND h.created_at >= ?)`, t, t); err != nil {
		return d, err
	}
	var sum int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(csat), 0) FROM handoffs WHERE csat > 0 AND resolved_at >= ?`,
		t).Scan(&d.CSATCount, &sum); err != nil {
		return d, fmt.Errorf("sqlite: report csat: %w", err)
	}
	if d.CSATCount > 0 {
		d.CSATAverage = float64(sum) / float64(d.CSATCount)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT intent, COUNT(*) FROM feedback WHERE helpful = 0 AND at >= ? GROUP BY intent`, t)
	if err != nil {
		return d, fmt.Errorf("sqlite: report unhelpful: %w", err)
	}
	for rows.Next() {
		var in string
		var n int
		if err := rows.Scan(&in, &n); err != nil {
			rows.Close()
			return d, fmt.Errorf("sqlite: report unhelpful: %w", err)
		}
		d.Unhelpful[bot.Intent(in)] = n
	}
	rows.Close()
	rows, err = s.r.QueryContext(ctx, `SELECT lang, intent, COUNT(*) AS n FROM messages
		WHERE kind = 'client' AND at >= ? AND intent <> '' AND intent <> 'none'
		GROUP BY lang, intent ORDER BY lang, n DESC, intent`, t)
	if err != nil {
		return d, fmt.Errorf("sqlite: report intents: %w", err)
	}
	for rows.Next() {
		var lang, in string
		var n int
		if err := rows.Scan(&lang, &in, &n); err != nil {
			rows.Close()
			return d, fmt.Errorf("sqlite: report intents: %w", err)
		}
		d.TopIntents[bot.Lang(lang)] = append(d.TopIntents[bot.Lang(lang)], bot.IntentCount{Intent: bot.Intent(in), Count: n})
	}
	rows.Close()
	if err := one(&d.UnmatchedTotal, `SELECT COUNT(*) FROM messages WHERE kind = 'client' AND verdict = 'none' AND at >= ?`, t); err != nil {
		return d, err
	}
	rows, err = s.r.QueryContext(ctx, `SELECT id, conv_id, kind, author, text, buttons, platform_id, intent, lang, verdict, confidence, at
		FROM messages WHERE kind = 'client' AND verdict = 'none' AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`, t, maxUnmatched)
	if err != nil {
		return d, fmt.Errorf("sqlite: report unmatched: %w", err)
	}
	if d.Unmatched, err = scanEntries(rows); err != nil {
		return d, fmt.Errorf("sqlite: report unmatched: %w", err)
	}
	return d, nil
}
