package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// leaderCheck is how often a held leader lock's session is checked; a
// lost session is noticed within about this long.
const leaderCheck = time.Second

// Leader is a held leader lock: a session-level pg_try_advisory_lock on a
// connection taken out of the pool for as long as it is held. PostgreSQL
// frees the lock when that session ends, so an instance that dies (or is
// cut off) hands leadership over without any timeout to wait for.
type Leader struct {
	s    *Store
	name string
	conn *pgxpool.Conn

	lost    chan struct{} // closed when leadership ends (Release or lost session)
	stop    chan struct{}
	done    chan struct{}
	wasLost bool // set by watch before done is closed
	once    sync.Once
}

// TryLeader tries once, without waiting, to become the leader for name
// (e.g. "telegram-poll") among every instance using this database schema.
// ok is false when another session holds it. The lock is held until
// Release, Close of the store, or the loss of its connection, which
// Lost reports; work done as leader must stop when Lost is closed.
// A held lock keeps one pool connection busy.
func (s *Store) TryLeader(ctx context.Context, name string) (l *Leader, ok bool, err error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, false, errors.New("postgres: try leader: store closed")
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: try leader %s: %w", name, err)
	}
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, "leader:"+name).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("postgres: try leader %s: %w", name, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	l = &Leader{s: s, name: name, conn: conn, lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed { // Close ran meanwhile and did not see this lock
		s.mu.Unlock()
		l.finish(false)
		return nil, false, errors.New("postgres: try leader: store closed")
	}
	s.leaders[l] = struct{}{}
	s.mu.Unlock()
	go l.watch()
	return l, true, nil
}

// Lost is closed when leadership ends: after Release, or when the
// session holding the lock was lost (another instance may lead now).
func (l *Leader) Lost() <-chan struct{} { return l.lost }

// Release gives leadership up. It is safe to call more than once and
// from several goroutines.
func (l *Leader) Release() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		l.s.mu.Lock()
		delete(l.s.leaders, l)
		l.s.mu.Unlock()
		l.finish(l.wasLost)
	})
}

// finish unlocks (or, when the session is gone or cannot answer, closes
// the connection, which frees the lock too) and returns the connection.
func (l *Leader) finish(wasLost bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if wasLost {
		l.conn.Conn().Close(ctx)
	} else if _, err := l.conn.Exec(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, "leader:"+l.name); err != nil {
		l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
	if !wasLost {
		close(l.lost)
	}
}

// watch checks the lock's session until Release; a failed check means
// the lock may be gone, so leadership is declared lost.
func (l *Leader) watch() {
	defer close(l.done)
	tk := time.NewTicker(leaderCheck)
	defer tk.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tk.C:
			ctx, cancel := context.WithTimeout(context.Background(), leaderCheck)
			_, err := l.conn.Exec(ctx, `SELECT 1`)
			cancel()
			if err != nil {
				slog.Warn("postgres: leader lock lost", "name", l.name, "err", err)
				l.wasLost = true
				close(l.lost)
				return
			}
		}
	}
}

// Lead runs fn while this instance is the leader for name, until ctx
// ends: it tries to take the lock every retry, runs fn with a context
// that is cancelled when leadership is lost, and tries again after a
// loss. It returns nil when ctx ends, or fn's error when fn fails on its
// own while leading. Use it for singleton work such as Telegram long
// polling; webhook handlers run on every instance and need no leader.
func (s *Store) Lead(ctx context.Context, name string, retry time.Duration, fn func(ctx context.Context) error) error {
	for {
		l, ok, err := s.TryLeader(ctx, name)
		if err != nil && ctx.Err() == nil {
			slog.Warn("postgres: leader election failed", "name", name, "err", err)
		}
		if ok {
			if err := s.runLeading(ctx, l, fn); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retry):
		}
	}
}

func (s *Store) runLeading(ctx context.Context, l *Leader, fn func(ctx context.Context) error) error {
	defer l.Release()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-l.Lost():
			cancel()
		case <-lctx.Done():
		}
	}()
	err := fn(lctx)
	select {
	case <-l.Lost(): // cancelled by the loss: not fn's own failure
		return nil
	default:
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// LockConversation serializes the processing of one conversation key
// (channel:chat) across instances: it blocks until no other session holds
// the key, then returns the function that frees it. Use it around
// read-decide-commit when a load balancer may send messages of one chat
// to different instances, so they are handled one after the other in
// arrival order rather than racing (the version check alone keeps state
// consistent but lets a later message commit first). Each held key keeps
// one pool connection busy, so size pool_max_conns above the number of
// messages processed at once.
func (s *Store) LockConversation(ctx context.Context, key string) (unlock func(), err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: lock conversation: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`, "conv:"+key); err != nil {
		// A cancelled wait may leave the lock granted late: drop the session.
		conn.Conn().Close(context.Background())
		conn.Release()
		return nil, fmt.Errorf("postgres: lock conversation: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, "conv:"+key); err != nil {
				conn.Conn().Close(ctx)
			}
			conn.Release()
		})
	}, nil
}
