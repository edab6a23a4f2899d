package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/privacy"
)

// bot.Privacy on PostgreSQL: the shared SQL (bot/store/privacy), each
// erasure and each purge batch in one transaction. The conversations it
// changes are locked first (in id order, as commits lock them), so a
// concurrent commit waits and then fails its version check.

var _ bot.Privacy = (*Store)(nil)

// purgeBatch bounds the conversations one purge transaction locks.
const purgeBatch = 200

var dialect = privacy.Dialect{Lock: " FOR UPDATE", LockSkip: " FOR UPDATE SKIP LOCKED"}

// pgTx adapts pgx.Tx to privacy.Tx.
type pgTx struct{ tx pgx.Tx }

func (t pgTx) Query(ctx context.Context, q string, args ...any) (privacy.Rows, error) {
	return t.tx.Query(ctx, privacy.Numbered(q), args...)
}

func (t pgTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := t.tx.Exec(ctx, privacy.Numbered(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// ExportContact implements bot.Privacy, in one REPEATABLE READ snapshot.
func (s *Store) ExportContact(ctx context.Context, ref bot.ContactRef) (bot.ContactExport, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return bot.ContactExport{}, fmt.Errorf("postgres: export contact: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	x, err := privacy.Export(ctx, pgTx{tx}, ref)
	if err != nil {
		return x, fmt.Errorf("postgres: export contact: %w", err)
	}
	return x, nil
}

// EraseContact implements bot.Privacy.
func (s *Store) EraseContact(ctx context.Context, ref bot.ContactRef, at time.Time) (bot.Removed, error) {
	var rm bot.Removed
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		rm, err = privacy.Erase(ctx, pgTx{tx}, dialect, ref, at)
		return err
	})
	if err != nil {
		return bot.Removed{}, fmt.Errorf("postgres: erase contact: %w", err)
	}
	return rm, nil
}

// errDryRun rolls back a dry run.
var errDryRun = errors.New("dry run")

// Purge implements bot.Privacy: batches of purgeBatch conversations, each
// in its own transaction; a dry run purges everything in one transaction
// and rolls it back.
func (s *Store) Purge(ctx context.Context, before time.Time, dryRun bool) (bot.Removed, error) {
	now := time.Now()
	if dryRun {
		var rm bot.Removed
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			if rm, err = privacy.PurgeBatch(ctx, pgTx{tx}, privacy.Dialect{Lock: dialect.Lock, LockSkip: dialect.Lock},
				before, now, 0); err != nil {
				return err
			}
			return errDryRun
		})
		if !errors.Is(err, errDryRun) {
			return bot.Removed{}, fmt.Errorf("postgres: purge: %w", err)
		}
		return rm, nil
	}
	var total bot.Removed
	for {
		var rm bot.Removed
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var err error
			rm, err = privacy.PurgeBatch(ctx, pgTx{tx}, dialect, before, now, purgeBatch)
			if err == nil && rm.Conversations > 0 {
				err = privacy.Audit(ctx, pgTx{tx}, now, "purge", rm.String())
			}
			return err
		})
		if err != nil {
			return total, fmt.Errorf("postgres: purge: %w", err)
		}
		if rm.Conversations == 0 {
			return total, nil
		}
		total = privacy.Add(total, rm)
	}
}
