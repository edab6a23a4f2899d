// Package postgres is the bot.Store for several `supportbot serve`
// instances sharing one PostgreSQL database (github.com/jackc/pgx/v5).
//
// Instances coordinate only through the database: Commit relies on the
// conversation version check and unique constraints, ClaimOutbox leases
// rows with FOR UPDATE SKIP LOCKED, and singleton work (Telegram long
// polling) runs under a session advisory lock (TryLeader, Lead). The
// schema is the PostgreSQL dialect of the SQLite store's, applied at Open
// under an advisory lock so instances starting together migrate once.
//
// Everything lives in the first schema of the connection's search_path,
// and advisory lock keys are derived from that schema's name, so separate
// schemas of one database (tests, tenants) never interfere.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hexfit/supportbot/bot"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DefaultMaxConns is the pool size when the URL sets no pool_max_conns.
// Commits and chat reads share round trips (coalescer), so few
// connections are busy at once; the rest serve claims, the agent desk and
// the fallback of a refused group, whose commits run side by side.
const DefaultMaxConns = 16

// groupsInFlight and maxGroup shape the coalescing of commits, chat
// reads and delivery results: how many shared round trips of each kind
// run at once, and how many calls one carries. One in flight makes the
// largest groups; measured with `supportbot loadtest --db postgres
// --instances 2`, 2 and 4 gave 5–20% less throughput (smaller groups,
// more round trips) and a higher ack p99.
const (
	groupsInFlight = 1
	maxGroup       = 64
)

// Store implements bot.Store on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// relaxed runs the outbox's bookkeeping (leases, delivery outcomes)
	// with synchronous_commit off: it shares no WAL flush wait with the
	// commits that acknowledge a webhook. A clean server restart keeps
	// those commits; a server crash may lose the last few hundred
	// milliseconds of them, and a lost outcome means one message sent
	// again (at least once), never one lost.
	relaxed *pgxpool.Pool
	schema  string // current_schema(), the namespace of advisory lock keys

	// Concurrent calls share round trips (coalescer).
	commits *coalescer[bot.Change, bot.Committed]
	loads   *coalescer[chatKey, bot.ChatState]
	marks   *coalescer[[]bot.DeliveryResult, struct{}]
	// chat_state reads (the SMS opt-out before each send)
	chatStates *coalescer[chatKey, chatState]

	mu      sync.Mutex
	closed  bool
	leaders map[*Leader]struct{} // held leader locks, released by Close
}

var (
	_ bot.Store      = (*Store)(nil)
	_ bot.ChatLoader = (*Store)(nil)
)

// Open connects to the database at url (postgres://user@host:port/db?…;
// pgxpool parameters such as pool_max_conns are honoured, and any other
// parameter, e.g. search_path, is sent to the server) and applies the
// embedded migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgxpool's default (the number of CPUs, at least 4) is too few
		// for the claims, the agent desk and a refused group's commits
		// running beside the shared round trips.
		cfg.MaxConns = DefaultMaxConns
	}
	if !strings.Contains(url, "pool_min_conns") {
		// Connections kept open (pgxpool opens them at once): the first
		// burst of webhooks does not wait for new backends.
		cfg.MinConns = min(cfg.MaxConns, DefaultMaxConns/4)
	}
	return OpenConfig(ctx, cfg)
}

// OpenConfig is Open with a prepared pool configuration.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	rcfg := cfg.Copy()
	if rcfg.ConnConfig.RuntimeParams == nil {
		rcfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	rcfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	rcfg.MaxConns = max(2, cfg.MaxConns/4)
	relaxed, err := pgxpool.NewWithConfig(ctx, rcfg)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	s := &Store{pool: pool, relaxed: relaxed, leaders: map[*Leader]struct{}{}}
	s.commits = newCoalescer(s.commitGroup)
	s.loads = newCoalescer(s.loadGroup)
	s.chatStates = newCoalescer(s.chatStateGroup)
	s.marks = newCoalescer(s.markGroup)
	fail := func() { pool.Close(); relaxed.Close() }
	var schema *string
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		fail()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if schema == nil {
		fail()
		return nil, errors.New("postgres: no schema of search_path exists")
	}
	s.schema = *schema
	if err := s.migrate(ctx); err != nil {
		fail()
		return nil, err
	}
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close releases the leader locks still held and closes the pool. It
// waits for connections in use by running calls.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	held := make([]*Leader, 0, len(s.leaders))
	for l := range s.leaders {
		held = append(held, l)
	}
	s.mu.Unlock()
	for _, l := range held {
		l.Release()
	}
	s.pool.Close()
	s.relaxed.Close()
	return nil
}

// lockKey is the SQL expression of the advisory lock key for name in
// this store's schema ($1 is name).
const lockKey = `hashtextextended('supportbot:' || current_schema() || ':' || $1, 0)`

// migrate applies every embedded migration not yet recorded, holding a
// session advisory lock so that instances starting together wait for one
// another instead of racing on CREATE TABLE.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("postgres: list migrations: %w", err)
	}
	sort.Strings(names)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`, "migrate"); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	defer func() {
		// A session lock outlives errors; a connection we cannot unlock is
		// closed, which frees the lock.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, "migrate"); err != nil {
			conn.Conn().Close(uctx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	for _, name := range names {
		base := path.Base(name)
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("postgres: migration %s: bad version prefix", base)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("postgres: read migration %s: %w", base, err)
		}
		if err := apply(ctx, conn.Conn(), v, string(body)); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", base, err)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgx.Conn, version int, body string) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`,
			version).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		// Simple protocol: a migration is several statements.
		if _, err := tx.Exec(ctx, body, pgx.QueryExecModeSimpleProtocol); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			version, time.Now().UnixMilli())
		return err
	})
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
