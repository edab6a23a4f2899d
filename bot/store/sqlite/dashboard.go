package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Queries for the staff dashboard (channels/webchat/dashboard), which
// declares the interface it needs.

// ListConversations lists conversations matching f, most recently updated
// first, with the contact's name and the transcript length.
func (s *Store) ListConversations(ctx context.Context, f bot.ConversationFilter) ([]bot.ConversationSummary, error) {
	q := `SELECT c.id, c.channel, c.chat_id, c.contact_id, c.state, c.lang, c.audience, c.agent, c.handoff_id, c.caps,
		c.dialog, c.version, c.created_at, c.updated_at, COALESCE(k.name, ''),
		(SELECT COUNT(*) FROM messages m WHERE m.conv_id = c.id)
		FROM conversations c LEFT JOIN contacts k ON k.channel = c.channel AND k.contact_id = c.contact_id WHERE 1 = 1`
	var args []any
	if f.State != "" {
		q += ` AND c.state = ?`
		args = append(args, string(f.State))
	}
	if f.Channel != "" {
		q += ` AND c.channel = ?`
		args = append(args, f.Channel)
	}
	if f.Lang != "" {
		q += ` AND c.lang = ?`
		args = append(args, string(f.Lang))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list conversations: %w", err)
	}
	defer rows.Close()
	var out []bot.ConversationSummary
	for rows.Next() {
		var cs bot.ConversationSummary
		var name string
		var n int
		c, err := scanConv(scanTail{rows, []any{&name, &n}})
		if err != nil {
			return nil, fmt.Errorf("sqlite: list conversations: %w", err)
		}
		cs.Conversation, cs.Name, cs.Messages = c, name, n
		out = append(out, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list conversations: %w", err)
	}
	return out, nil
}

// scanTail lets scanConv read a row that carries extra columns after the
// conversation's.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (s scanTail) Scan(dst ...any) error { return s.row.Scan(append(dst, s.tail...)...) }

// DailyActivity counts conversations, bot resolutions and handoffs per UTC
// day since a time, oldest first, days without activity included.
func (s *Store) DailyActivity(ctx context.Context, since time.Time) ([]bot.DayActivity, error) {
	const day = int64(24 * time.Hour / time.Millisecond)
	start := since.UTC().Truncate(24 * time.Hour)
	now := time.Now().UTC().Truncate(24 * time.Hour)
	var days []bot.DayActivity
	idx := map[int64]int{}
	for d := start; !d.After(now); d = d.Add(24 * time.Hour) {
		idx[ms(d)/day] = len(days)
		days = append(days, bot.DayActivity{Day: d})
	}
	count := func(q string, set func(*bot.DayActivity, int)) error {
		rows, err := s.r.QueryContext(ctx, q, ms(start))
		if err != nil {
			return fmt.Errorf("sqlite: daily activity: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var d int64
			var n int
			if err := rows.Scan(&d, &n); err != nil {
				return fmt.Errorf("sqlite: daily activity: %w", err)
			}
			if i, ok := idx[d]; ok {
				set(&days[i], n)
			}
		}
		return rows.Err()
	}
	if err := count(fmt.Sprintf(`SELECT at / %d, COUNT(DISTINCT conv_id) FROM messages WHERE kind = 'client' AND at >= ? GROUP BY 1`, day),
		func(a *bot.DayActivity, n int) { a.Conversations = n }); err != nil {
		return nil, err
	}
	if err := count(fmt.Sprintf(`SELECT at / %d, COUNT(DISTINCT conv_id) FROM feedback WHERE helpful = 1 AND at >= ? GROUP BY 1`, day),
		func(a *bot.DayActivity, n int) { a.ResolvedByBot = n }); err != nil {
		return nil, err
	}
	if err := count(fmt.Sprintf(`SELECT created_at / %d, COUNT(*) FROM handoffs WHERE created_at >= ? GROUP BY 1`, day),
		func(a *bot.DayActivity, n int) { a.HandedOff = n }); err != nil {
		return nil, err
	}
	return days, nil
}
