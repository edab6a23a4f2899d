// Package sqlite is the default bot.Store: one SQLite file in WAL mode,
// through the pure-Go modernc.org/sqlite driver.
//
// Writes go through a single connection (SQLite has one writer anyway), so
// goroutines queue in database/sql instead of failing with SQLITE_BUSY;
// reads use a pool of connections that WAL lets run beside the writer.
// Other processes (the console agent) share the file thanks to the busy
// timeout and IMMEDIATE write transactions.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/hexfit/supportbot/bot"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "supportbot.db"

// Store implements bot.Store on SQLite.
type Store struct {
	w     *sql.DB // one connection: the writer
	r     *sql.DB // readers
	ck    *sql.DB // one connection: WAL checkpoints
	stmts stmts

	commits    chan *writeReq // to the writer goroutine (group commit)
	quit       chan struct{}
	writerDone chan struct{}
	ckDone     chan struct{}
	closeOnce  sync.Once

	claimMu    sync.Mutex
	claimStmts map[int]*sql.Stmt // candidate queries by number of channels
}

var _ bot.Store = (*Store)(nil)

// OpenDir opens (creating it if needed) the database in a data directory.
func OpenDir(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: create data dir: %w", err)
	}
	return Open(ctx, filepath.Join(dir, FileName))
}

// Open opens the database file at path, creating it and applying the
// embedded migrations as needed.
func Open(ctx context.Context, path string) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: open %q: path may not contain ? or #", path)
	}
	// busy_timeout lets another process's write finish instead of failing;
	// synchronous=NORMAL is durable across process crashes in WAL mode;
	// secure_delete overwrites removed content (erasure, purge) instead of
	// leaving it in free space.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=secure_delete(ON)"
	// The checkpointer goroutine copies most of the WAL in the background;
	// the writer's own automatic checkpoint then has little left to copy and
	// rewinds the WAL, which keeps it small under constant traffic.
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open readers: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	r.SetConnMaxIdleTime(0)
	ck, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer: %w", err)
	}
	ck.SetMaxOpenConns(1)
	s := &Store{w: w, r: r, ck: ck, commits: make(chan *writeReq), quit: make(chan struct{}),
		writerDone: make(chan struct{}), ckDone: make(chan struct{}), claimStmts: map[int]*sql.Stmt{}}
	go s.writer()
	go s.checkpointer()
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the writer and closes both connection pools. Commits after
// Close fail.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.quit)
		<-s.writerDone
		<-s.ckDone
		s.stmts.close()
		s.claimMu.Lock()
		for _, st := range s.claimStmts {
			st.Close()
		}
		s.claimMu.Unlock()
		err = errors.Join(s.w.Close(), s.r.Close(), s.ck.Close())
	})
	return err
}

// checkpointInterval is how often the WAL is copied into the database.
const checkpointInterval = 250 * time.Millisecond

// walResetFrames: once the WAL holds this many frames (about 64 MB) and
// all are copied, it is truncated, even if that briefly waits for readers;
// under constant traffic SQLite may otherwise never find a moment to
// rewind it.
const walResetFrames = 16000

// checkpointer copies the WAL into the database file in the background
// (PASSIVE: it never waits for, nor blocks, readers and the writer), so
// commits rarely pay for a checkpoint.
func (s *Store) checkpointer() {
	defer close(s.ckDone)
	tk := time.NewTicker(checkpointInterval)
	defer tk.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tk.C:
			var busy, frames, copied int
			if err := s.ck.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
				slog.Warn("sqlite: checkpoint failed", "err", err)
				continue
			}
			if frames >= walResetFrames && copied == frames {
				if _, err := s.ck.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
					slog.Warn("sqlite: WAL truncate failed", "err", err)
				}
			}
		}
	}
}

// migrate applies every embedded migration not yet recorded, each in its
// own transaction, so concurrent starts apply each exactly once.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: bad version prefix", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("sqlite: read migration %s: %w", base, err)
		}
		if err := s.apply(ctx, v, string(body)); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, version int, body string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// ms and fromMS convert times to the stored Unix milliseconds (0: zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
