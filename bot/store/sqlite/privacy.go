package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/privacy"
)

// bot.Privacy on SQLite: the shared SQL (bot/store/privacy) inside the
// writer's transactions. The writer runs with secure_delete, so removed
// text is overwritten in the pages, and each erasure or purge ends with a
// TRUNCATE checkpoint, so no copy stays in the WAL file.

var _ bot.Privacy = (*Store)(nil)

// purgeBatch bounds the conversations one write transaction purges, so
// the bot's commits are not held up behind a long purge.
const purgeBatch = 200

// sqlTx adapts *sql.Tx to privacy.Tx.
type sqlTx struct{ tx *sql.Tx }

func (t sqlTx) Query(ctx context.Context, q string, args ...any) (privacy.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (t sqlTx) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	r, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

// ExportContact implements bot.Privacy, in one read snapshot.
func (s *Store) ExportContact(ctx context.Context, ref bot.ContactRef) (bot.ContactExport, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return bot.ContactExport{}, fmt.Errorf("sqlite: export contact: %w", err)
	}
	defer tx.Rollback()
	x, err := privacy.Export(ctx, sqlTx{tx}, ref)
	if err != nil {
		return x, fmt.Errorf("sqlite: export contact: %w", err)
	}
	return x, nil
}

// EraseContact implements bot.Privacy.
func (s *Store) EraseContact(ctx context.Context, ref bot.ContactRef, at time.Time) (bot.Removed, error) {
	var rm bot.Removed
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		rm, err = privacy.Erase(ctx, sqlTx{tx}, privacy.Dialect{}, ref, at)
		return err
	})
	if err != nil {
		return bot.Removed{}, fmt.Errorf("sqlite: erase contact: %w", err)
	}
	s.scrubWAL(ctx)
	return rm, nil
}

// errDryRun rolls back a dry run's savepoint.
var errDryRun = errors.New("dry run")

// Purge implements bot.Privacy: batches of purgeBatch conversations, each
// in its own write; a dry run purges everything in one write and rolls
// it back.
func (s *Store) Purge(ctx context.Context, before time.Time, dryRun bool) (bot.Removed, error) {
	now := time.Now()
	if dryRun {
		var rm bot.Removed
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			if rm, err = privacy.PurgeBatch(ctx, sqlTx{tx}, privacy.Dialect{}, before, now, 0); err != nil {
				return err
			}
			return errDryRun
		})
		if !errors.Is(err, errDryRun) {
			return bot.Removed{}, fmt.Errorf("sqlite: purge: %w", err)
		}
		return rm, nil
	}
	var total bot.Removed
	for {
		var rm bot.Removed
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			var err error
			rm, err = privacy.PurgeBatch(ctx, sqlTx{tx}, privacy.Dialect{}, before, now, purgeBatch)
			if err == nil && rm.Conversations > 0 {
				err = privacy.Audit(ctx, sqlTx{tx}, now, "purge", rm.String())
			}
			return err
		})
		if err != nil {
			return total, fmt.Errorf("sqlite: purge: %w", err)
		}
		if rm.Conversations == 0 {
			break
		}
		total = privacy.Add(total, rm)
	}
	if !total.Empty() {
		s.scrubWAL(ctx)
	}
	return total, nil
}

// scrubWAL copies the WAL into the database and truncates it, so the
// previous versions of the changed pages (with the removed text) are
// gone from the WAL file too. It waits for readers up to the busy
// timeout; when they outlast it, the WAL is overwritten by later commits.
func (s *Store) scrubWAL(ctx context.Context) {
	var busy, frames, copied int
	// Done even when the caller gave up: the removal was committed.
	err := s.ck.QueryRowContext(context.WithoutCancel(ctx), `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &copied)
	if err == nil && busy != 0 {
		err = errors.New("readers kept the WAL busy")
	}
	if err != nil {
		slog.Warn("sqlite: WAL not truncated after removing data", "err", err)
	}
}
