package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Queries for the staff dashboard (channels/webchat/dashboard), which
// declares the interface it needs. Same definitions as the SQLite store.

// ListConversations lists conversations matching f, most recently updated
// first, with the contact's name and the transcript length.
func (s *Store) ListConversations(ctx context.Context, f bot.ConversationFilter) ([]bot.ConversationSummary, error) {
	q := `SELECT c.id, c.channel, c.chat_id, c.contact_id, c.state, c.lang, c.audience, c.agent, c.handoff_id, c.caps,
		c.dialog, c.version, c.created_at, c.updated_at, COALESCE(k.name, ''),
		(SELECT COUNT(*) FROM messages m WHERE m.conv_id = c.id)
		FROM conversations c LEFT JOIN contacts k ON k.channel = c.channel AND k.contact_id = c.contact_id WHERE TRUE`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.State != "" {
		q += ` AND c.state = ` + arg(string(f.State))
	}
	if f.Channel != "" {
		q += ` AND c.channel = ` + arg(f.Channel)
	}
	if f.Lang != "" {
		q += ` AND c.lang = ` + arg(string(f.Lang))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += ` ORDER BY c.updated_at DESC, c.id DESC LIMIT ` + arg(limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list conversations: %w", err)
	}
	defer rows.Close()
	var out []bot.ConversationSummary
	for rows.Next() {
		var cs bot.ConversationSummary
		var name string
		var n int
		c, err := scanConv(scanTail{rows, []any{&name, &n}})
		if err != nil {
			return nil, fmt.Errorf("postgres: list conversations: %w", err)
		}
		cs.Conversation, cs.Name, cs.Messages = c, name, n
		out = append(out, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list conversations: %w", err)
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
// day since a time (whole days: since is truncated to its midnight UTC),
// oldest first, days without activity included. The three counts come
// from one statement, so they share one snapshot.
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
	// Times are Unix milliseconds: integer division by a day's length is
	// the UTC day number, as in the SQLite store.
	rows, err := s.pool.Query(ctx, `
		SELECT 0, at / $2, COUNT(DISTINCT conv_id) FROM messages WHERE kind = 'client' AND at >= $1 GROUP BY 2
		UNION ALL
		SELECT 1, at / $2, COUNT(DISTINCT conv_id) FROM feedback WHERE helpful = 1 AND at >= $1 GROUP BY 2
		UNION ALL
		SELECT 2, created_at / $2, COUNT(*) FROM handoffs WHERE created_at >= $1 GROUP BY 2`, ms(start), day)
	if err != nil {
		return nil, fmt.Errorf("postgres: daily activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var what int
		var d int64
		var n int
		if err := rows.Scan(&what, &d, &n); err != nil {
			return nil, fmt.Errorf("postgres: daily activity: %w", err)
		}
		i, ok := idx[d]
		if !ok {
			continue // stamped after today
		}
		switch what {
		case 0:
			days[i].Conversations = n
		case 1:
			days[i].ResolvedByBot = n
		case 2:
			days[i].HandedOff = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: daily activity: %w", err)
	}
	return days, nil
}
