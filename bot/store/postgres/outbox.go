package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hexfit/supportbot/bot"
)

const outboxCols = `o.id, o.conv_id, o.channel, o.chat_id, o.kind, o.lang, o.reply, o.status, o.attempts, o.next_at,
	o.last_error, o.created_at`

func scanOutbox(rows pgx.Rows) ([]bot.OutboxItem, error) {
	defer rows.Close()
	var out []bot.OutboxItem
	for rows.Next() {
		var it bot.OutboxItem
		var lang, reply, status string
		var next, created int64
		if err := rows.Scan(&it.ID, &it.ConvID, &it.Channel, &it.ChatID, &it.Kind, &lang, &reply, &status, &it.Attempts,
			&next, &it.LastError, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(reply), &it.Reply); err != nil {
			return nil, fmt.Errorf("decode reply of outbox %d: %w", it.ID, err)
		}
		it.Lang, it.Status, it.NextAt, it.CreatedAt = bot.Lang(lang), bot.OutboxStatus(status), fromMS(next), fromMS(created)
		out = append(out, it)
	}
	return out, rows.Err()
}

// claimSQL leases due heads of conversation queues in one statement.
// Only the oldest pending row of a conversation is a candidate, so a
// reply never overtakes an earlier one that is leased elsewhere or waits
// for a retry, and at most one row per conversation is claimed. SKIP
// LOCKED lets instances claim side by side without waiting on each
// other's candidates; a row another instance leased and committed
// meanwhile fails the re-checked lease_until condition.
const claimSQL = `WITH c AS (
		SELECT o.id FROM outbox o
		WHERE o.status = 'pending' AND o.next_at <= $1 AND o.lease_until <= $1 AND o.channel = ANY($2)
		AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.conv_id = o.conv_id AND p.id < o.id)
		ORDER BY o.id LIMIT $3
		FOR UPDATE SKIP LOCKED)
	UPDATE outbox o SET lease_until = $4, lease_owner = '' FROM c WHERE o.id = c.id
	RETURNING ` + outboxCols

// ClaimOutbox implements bot.Store.
func (s *Store) ClaimOutbox(ctx context.Context, channels []string, now time.Time, lease time.Duration, limit int) ([]bot.OutboxItem, error) {
	if len(channels) == 0 || limit <= 0 {
		return nil, nil
	}
	rows, err := s.relaxed.Query(ctx, claimSQL, ms(now), channels, limit, ms(now.Add(lease)))
	if err != nil {
		return nil, fmt.Errorf("postgres: claim outbox: %w", err)
	}
	items, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim outbox: %w", err)
	}
	until := fromMS(ms(now.Add(lease)))
	for i := range items {
		items[i].LeaseUntil = until
	}
	// UPDATE … RETURNING has no order; callers expect the oldest first.
	sortOutbox(items)
	return items, nil
}

func sortOutbox(items []bot.OutboxItem) {
	slices.SortFunc(items, func(a, b bot.OutboxItem) int { return cmp.Compare(a.ID, b.ID) })
}

const (
	// One statement records the send and the platform's id on the
	// transcript line.
	markSent = `WITH o AS (UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = $1, lease_until = 0,
		last_error = '' WHERE id = $2 RETURNING msg_id)
		UPDATE messages m SET platform_id = $3 FROM o WHERE m.id = o.msg_id AND $3 <> ''`
	markDead    = `UPDATE outbox SET status = 'dead', attempts = attempts + 1, lease_until = 0, last_error = $1 WHERE id = $2`
	markRetry   = `UPDATE outbox SET attempts = attempts + 1, next_at = $1, lease_until = 0, last_error = $2 WHERE id = $3`
	markRelease = `UPDATE outbox SET lease_until = 0 WHERE id = $1 AND status = 'pending'`
)

// MarkDelivered implements bot.Store: one pipelined batch, which pgx runs
// as one implicit transaction, shared with the MarkDelivered calls in
// flight at the same time (markGroup).
func (s *Store) MarkDelivered(ctx context.Context, rs []bot.DeliveryResult) error {
	if len(rs) == 0 {
		return nil
	}
	_, err := s.marks.do(ctx, rs)
	return err
}

// markGroup records the results of several calls in one transaction. When
// the server refuses it, nothing was written, and each call's results are
// recorded alone.
func (s *Store) markGroup(ctx context.Context, calls [][]bot.DeliveryResult) ([]struct{}, []error) {
	outs, errs := make([]struct{}, len(calls)), make([]error, len(calls))
	err := s.mark(ctx, slices.Concat(calls...))
	var pe *pgconn.PgError
	switch {
	case err == nil:
	case len(calls) > 1 && errors.As(err, &pe):
		eachAlone(len(calls), func(i int) { errs[i] = s.mark(ctx, calls[i]) })
	default:
		for i := range errs {
			errs[i] = err
		}
	}
	return outs, errs
}

// mark records rs in one batch.
func (s *Store) mark(ctx context.Context, rs []bot.DeliveryResult) error {
	b := &pgx.Batch{}
	for _, r := range rs {
		switch {
		case r.Sent:
			b.Queue(markSent, ms(r.At), r.ID, r.PlatformID)
		case r.Dead:
			b.Queue(markDead, r.Error, r.ID)
		case r.Released:
			b.Queue(markRelease, r.ID)
		default:
			b.Queue(markRetry, ms(r.NextAt), r.Error, r.ID)
		}
	}
	if err := s.relaxed.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: mark delivered: %w", err)
	}
	return nil
}

// Outbox implements bot.Store.
func (s *Store) Outbox(ctx context.Context, status bot.OutboxStatus, limit int) ([]bot.OutboxItem, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+outboxCols+` FROM outbox o WHERE o.status = $1 ORDER BY o.id DESC LIMIT $2`,
		string(status), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list outbox: %w", err)
	}
	items, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: list outbox: %w", err)
	}
	return items, nil
}

// PendingOutbox implements bot.Store.
func (s *Store) PendingOutbox(ctx context.Context, channel string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND ($1 = '' OR channel = $1)`,
		channel).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count outbox: %w", err)
	}
	return n, nil
}

// RequeueOutbox implements bot.Store.
func (s *Store) RequeueOutbox(ctx context.Context, id int64, now time.Time) error {
	ct, err := s.pool.Exec(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_at = $1, lease_until = 0
		WHERE id = $2 AND status = 'dead'`, ms(now), id)
	if err != nil {
		return fmt.Errorf("postgres: requeue outbox %d: %w", id, err)
	}
	if ct.RowsAffected() == 0 {
		return fmt.Errorf("postgres: dead outbox row %d: %w", id, bot.ErrNotFound)
	}
	return nil
}
