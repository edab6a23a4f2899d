package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
)

const outboxCols = `o.id, o.conv_id, o.channel, o.chat_id, o.kind, o.lang, o.reply, o.status, o.attempts, o.next_at,
	o.last_error, o.created_at`

func scanOutbox(rows *sql.Rows) ([]bot.OutboxItem, error) {
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

// ClaimOutbox implements bot.Store: candidates are selected and leased in
// one write transaction, so two dispatchers never lease the same row. The
// lease UPDATE repeats the eligibility test, which keeps it correct should
// the select ever move to a reader connection.
func (s *Store) ClaimOutbox(ctx context.Context, channels []string, now time.Time, lease time.Duration, limit int) ([]bot.OutboxItem, error) {
	if len(channels) == 0 || limit <= 0 {
		return nil, nil
	}
	sel, err := s.claimSelect(ctx, len(channels))
	if err != nil {
		return nil, err
	}
	args := []any{ms(now), ms(now)}
	for _, c := range channels {
		args = append(args, c)
	}
	args = append(args, limit)
	var claimed []bot.OutboxItem
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.StmtContext(ctx, sel).QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		items, err := scanOutbox(rows)
		if err != nil {
			return err
		}
		upd := tx.StmtContext(ctx, s.stmts.lease)
		for _, it := range items {
			r, err := upd.ExecContext(ctx, ms(now.Add(lease)), it.ID, ms(now), ms(now))
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 1 {
				it.LeaseUntil = fromMS(ms(now.Add(lease)))
				claimed = append(claimed, it)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim outbox: %w", err)
	}
	return claimed, nil
}

// claimSelect returns the prepared candidate query for n channels.
func (s *Store) claimSelect(ctx context.Context, n int) (*sql.Stmt, error) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	if st, ok := s.claimStmts[n]; ok {
		return st, nil
	}
	// Only the head of each conversation's pending queue is eligible, so a
	// reply never overtakes an earlier one that is still being retried.
	st, err := s.w.PrepareContext(ctx, `SELECT `+outboxCols+` FROM outbox o
		WHERE o.status = 'pending' AND o.next_at <= ? AND o.lease_until <= ? AND o.channel IN (`+placeholders(n)+`)
		AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending' AND p.conv_id = o.conv_id AND p.id < o.id)
		ORDER BY o.id LIMIT ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare claim: %w", err)
	}
	s.claimStmts[n] = st
	return st, nil
}

// MarkDelivered implements bot.Store.
func (s *Store) MarkDelivered(ctx context.Context, rs []bot.DeliveryResult) error {
	if len(rs) == 0 {
		return nil
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, r := range rs {
			var err error
			switch {
			case r.Sent:
				_, err = tx.StmtContext(ctx, s.stmts.markSent).ExecContext(ctx, ms(r.At), r.ID)
				if err == nil && r.PlatformID != "" {
					_, err = tx.StmtContext(ctx, s.stmts.markSentPID).ExecContext(ctx, r.PlatformID, r.ID)
				}
			case r.Dead:
				_, err = tx.StmtContext(ctx, s.stmts.markDead).ExecContext(ctx, r.Error, r.ID)
			case r.Released:
				_, err = tx.StmtContext(ctx, s.stmts.release).ExecContext(ctx, r.ID)
			default:
				_, err = tx.StmtContext(ctx, s.stmts.markRetry).ExecContext(ctx, ms(r.NextAt), r.Error, r.ID)
			}
			if err != nil {
				return fmt.Errorf("sqlite: mark outbox %d: %w", r.ID, err)
			}
		}
		return nil
	})
}

// Outbox implements bot.Store.
func (s *Store) Outbox(ctx context.Context, status bot.OutboxStatus, limit int) ([]bot.OutboxItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox o WHERE o.status = ? ORDER BY o.id DESC LIMIT ?`,
		string(status), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list outbox: %w", err)
	}
	items, err := scanOutbox(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list outbox: %w", err)
	}
	return items, nil
}

// PendingOutbox implements bot.Store.
func (s *Store) PendingOutbox(ctx context.Context, channel string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND (? = '' OR channel = ?)`,
		channel, channel).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: count outbox: %w", err)
	}
	return n, nil
}

// RequeueOutbox implements bot.Store.
func (s *Store) RequeueOutbox(ctx context.Context, id int64, now time.Time) error {
	r, err := s.w.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_at = ?, lease_until = 0
		WHERE id = ? AND status = 'dead'`, ms(now), id)
	if err != nil {
		return fmt.Errorf("sqlite: requeue outbox %d: %w", id, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlite: dead outbox row %d: %w", id, bot.ErrNotFound)
	}
	return nil
}

// ReleaseLeases ends the outbox leases of the given channels, so messages
// claimed by a process that died mid-send go out again at once instead of
// when their lease runs out. Call it at start-up only from the one process
// that dispatches these channels (the usual SQLite deployment): a message
// another live dispatcher is sending right now could be sent twice.
func (s *Store) ReleaseLeases(ctx context.Context, channels []string) (int, error) {
	if len(channels) == 0 {
		return 0, nil
	}
	args := make([]any, len(channels))
	for i, c := range channels {
		args[i] = c
	}
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE outbox SET lease_until = 0 WHERE status = 'pending' AND lease_until > 0
			AND channel IN (`+placeholders(len(channels))+`)`, args...)
		if err != nil {
			return err
		}
		n, _ = r.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: release leases: %w", err)
	}
	return int(n), nil
}
