package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) bot.Store { return openFresh(t) })
}

func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	const n = 6
	var wg sync.WaitGroup
	stores := make([]*Store, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(context.Background(), u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	names, _ := migrations.ReadDir("migrations")
	var applied int
	if err := stores[0].pool.QueryRow(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(names) {
		t.Fatalf("%d migrations recorded, want %d", applied, len(names))
	}
	// Every instance works on the one schema.
	c := bot.Conversation{Channel: "test", ChatID: "m", State: bot.StateBot}
	if _, err := stores[1].Commit(context.Background(), bot.Change{Conversation: c, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[n-1].Conversation(context.Background(), "test", "m"); err != nil {
		t.Fatal(err)
	}
	// A later start finds nothing to do and keeps the data.
	s := openURL(t, u)
	if _, err := s.Conversation(context.Background(), "test", "m"); err != nil {
		t.Fatalf("after reopen: %v", err)
	}
}

// TestTwoInstancesClaimOutbox: two stores (two pools, as two processes)
// drain one outbox together. No row is claimed twice, no conversation
// has two rows in flight, and each conversation's rows go out in order.
func TestTwoInstancesClaimOutbox(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	a, b := openURL(t, u), openURL(t, u)
	ctx := context.Background()
	const convs, perConv = 40, 5
	for i := range convs {
		c := bot.Conversation{Channel: "test", ChatID: fmt.Sprint("c", i), State: bot.StateBot}
		var outs []bot.Outbound
		for j := range perConv {
			outs = append(outs, bot.Outbound{Channel: "test", ChatID: c.ChatID, Kind: bot.KindBot,
				Reply: bot.Reply{Text: fmt.Sprint(j)}})
		}
		if _, err := a.Commit(ctx, bot.Change{Conversation: c, Out: outs, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[int64]bool{}
	inFlight := map[int64]bool{}
	sent := map[int64][]string{} // conversation → texts in claim order
	var failures []string
	worker := func(s *Store) {
		for {
			items, err := s.ClaimOutbox(ctx, []string{"test"}, time.Now(), time.Minute, 7)
			if err != nil {
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
				return
			}
			if len(items) == 0 {
				if n, _ := s.PendingOutbox(ctx, "test"); n == 0 {
					return
				}
				time.Sleep(time.Millisecond)
				continue
			}
			mu.Lock()
			for _, it := range items {
				if claimed[it.ID] {
					failures = append(failures, fmt.Sprintf("row %d claimed twice", it.ID))
				}
				if inFlight[it.ConvID] {
					failures = append(failures, fmt.Sprintf("conversation %d has two rows in flight", it.ConvID))
				}
				claimed[it.ID], inFlight[it.ConvID] = true, true
				sent[it.ConvID] = append(sent[it.ConvID], it.Reply.Text)
			}
			mu.Unlock()
			rs := make([]bot.DeliveryResult, len(items))
			mu.Lock()
			for i, it := range items {
				rs[i] = bot.DeliveryResult{ID: it.ID, Sent: true, At: time.Now()}
				delete(inFlight, it.ConvID) // before the commit that frees the next row
			}
			mu.Unlock()
			if err := s.MarkDelivered(ctx, rs); err != nil {
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
				return
			}
		}
	}
	var wg sync.WaitGroup
	for i := range 8 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() { worker(s) })
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	if len(claimed) != convs*perConv {
		t.Fatalf("%d rows sent, want %d", len(claimed), convs*perConv)
	}
	for conv, texts := range sent {
		for j, txt := range texts {
			if txt != fmt.Sprint(j) {
				t.Fatalf("conversation %d sent %v, want 0..%d in order", conv, texts, perConv-1)
			}
		}
	}
}

// TestTwoInstancesCommitOneConversation: instances racing on one
// conversation lose with ErrConflict and win after reloading; a
// redelivery to the other instance is a duplicate. No update is lost.
func TestTwoInstancesCommitOneConversation(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	stores := []*Store{openURL(t, u), openURL(t, u)}
	ctx := context.Background()
	if _, err := stores[0].Commit(ctx, bot.Change{Conversation: bot.Conversation{Channel: "test", ChatID: "x", State: bot.StateBot},
		At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const n = 30
	var wg sync.WaitGroup
	var conflicts, dups sync.Map
	errs := make([]error, 2*n)
	for i := range 2 * n {
		wg.Go(func() {
			s := stores[i%2]
			pid := fmt.Sprint("m", i/2) // each message is delivered to both instances
			for {
				c, err := s.Conversation(ctx, "test", "x")
				if err != nil {
					errs[i] = err
					return
				}
				_, err = s.Commit(ctx, bot.Change{Conversation: c, At: time.Now(),
					Inbound: &bot.Entry{Kind: bot.KindClient, Text: "hi", PlatformID: pid, At: time.Now()},
					Out:     []bot.Outbound{{Channel: "test", ChatID: "x", Kind: bot.KindBot, Reply: bot.Reply{Text: pid}}}})
				switch {
				case errors.Is(err, bot.ErrConflict):
					conflicts.Store(i, true)
					continue
				case errors.Is(err, bot.ErrDuplicate):
					dups.Store(i, true)
				default:
					errs[i] = err
				}
				return
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	ndup := 0
	dups.Range(func(any, any) bool { ndup++; return true })
	if ndup != n {
		t.Errorf("%d duplicates, want %d (one per doubled delivery)", ndup, n)
	}
	c, err := stores[1].Conversation(ctx, "test", "x")
	if err != nil || c.Version != n+1 {
		t.Fatalf("version %d (%v), want %d: an update was lost or doubled", c.Version, err, n+1)
	}
	if p, _ := stores[0].PendingOutbox(ctx, "test"); p != n {
		t.Fatalf("pending %d, want %d", p, n)
	}
}

func TestLeaderExclusiveAndReleased(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	a, b := openURL(t, u), openURL(t, u)
	ctx := context.Background()
	try := func(s *Store, want bool) *Leader {
		t.Helper()
		l, ok, err := s.TryLeader(ctx, "poll")
		if err != nil || ok != want {
			t.Fatalf("TryLeader = %v, %v; want %v", ok, err, want)
		}
		return l
	}
	la := try(a, true)
	try(b, false)
	try(a, false) // session locks are per connection: a second one of the same store waits too
	if l, ok, err := b.TryLeader(ctx, "other-job"); err != nil || !ok {
		t.Fatalf("another name: %v %v", ok, err)
	} else {
		l.Release()
	}
	la.Release()
	la.Release() // idempotent
	select {
	case <-la.Lost():
	default:
		t.Fatal("Lost not closed after Release")
	}
	lb := try(b, true)
	try(a, false)
	// Closing the store hands leadership over.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lb.Lost():
	default:
		t.Fatal("Lost not closed after Close")
	}
	try(a, true).Release()

	// Another schema is another namespace.
	other := openFresh(t)
	l := try(a, true)
	try(other, true).Release()
	l.Release()
}

func TestLeaderLostWithItsSession(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	a, b := openURL(t, u), openURL(t, u)
	ctx := context.Background()
	l, ok, err := a.TryLeader(ctx, "poll")
	if err != nil || !ok {
		t.Fatalf("TryLeader: %v %v", ok, err)
	}
	pid := l.conn.Conn().PgConn().PID()
	if _, err := b.pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Lost():
	case <-time.After(10 * leaderCheck):
		t.Fatal("loss of the session not noticed")
	}
	l2, ok, err := b.TryLeader(ctx, "poll")
	if err != nil || !ok {
		t.Fatalf("takeover: %v %v", ok, err)
	}
	l2.Release()
	l.Release()
	if err := a.Ping(ctx); err != nil { // the pool replaced the dead connection
		t.Fatal(err)
	}
}

// TestLeadRunsOneAtATime: two instances running Lead never run the job
// at the same time, and the second takes over when the first stops.
func TestLeadRunsOneAtATime(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	stores := []*Store{openURL(t, u), openURL(t, u)}
	var mu sync.Mutex
	active, maxActive, runs := 0, 0, map[int]int{}
	ctxs := make([]context.CancelFunc, 2)
	done := make(chan error, 2)
	for i, s := range stores {
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i] = cancel
		go func() {
			done <- s.Lead(ctx, "poll", 20*time.Millisecond, func(ctx context.Context) error {
				mu.Lock()
				active++
				runs[i]++
				maxActive = max(maxActive, active)
				mu.Unlock()
				<-ctx.Done()
				mu.Lock()
				active--
				mu.Unlock()
				return ctx.Err()
			})
		}()
	}
	waitFor := func(cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("timed out")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(func() bool { return active == 1 })
	time.Sleep(100 * time.Millisecond) // several retries of the other instance
	mu.Lock()
	first := 0
	if runs[1] > 0 {
		first = 1
	}
	mu.Unlock()
	ctxs[first]()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(func() bool { return runs[1-first] == 1 && active == 1 })
	ctxs[1-first]()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if maxActive != 1 {
		t.Fatalf("%d leaders at once", maxActive)
	}
}

func TestLockConversation(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	a, b := openURL(t, u), openURL(t, u)
	ctx := context.Background()
	unlock, err := a.LockConversation(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := b.LockConversation(short, "telegram:1"); err == nil {
		t.Fatal("second instance locked a held conversation")
	}
	other, err := b.LockConversation(ctx, "telegram:2")
	if err != nil {
		t.Fatalf("other conversation: %v", err)
	}
	other()
	got := make(chan func(), 1)
	go func() {
		u, err := b.LockConversation(ctx, "telegram:1")
		if err != nil {
			t.Error(err)
			u = func() {}
		}
		got <- u
	}()
	select {
	case <-got:
		t.Fatal("lock granted while held")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	unlock() // idempotent
	select {
	case u := <-got:
		u()
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by unlock")
	}
}

// TestRecoversFromLostSessions: when the server drops every session of an
// instance (a PostgreSQL restart, a failover), the pool reconnects and
// the stored state is intact; no call hangs.
func TestRecoversFromLostSessions(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	s := openURL(t, u)
	ctx := context.Background()
	c := bot.Conversation{Channel: "test", ChatID: "r", State: bot.StateBot}
	if _, err := s.Commit(ctx, bot.Change{Conversation: c, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, testURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var killed int
	if err := admin.QueryRow(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, s.schema).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("no session terminated")
	}
	for range 2 * DefaultMaxConns { // each dead pooled connection fails once, then is replaced
		var got bot.Conversation
		if got, err = s.Conversation(ctx, "test", "r"); err == nil {
			if got.Version != 1 {
				t.Fatalf("after reconnect: %+v", got)
			}
			break
		}
	}
	if err != nil {
		t.Fatalf("no recovery: %v", err)
	}
	got, _ := s.Conversation(ctx, "test", "r")
	if _, err := s.Commit(ctx, bot.Change{Conversation: got, At: time.Now()}); err != nil {
		t.Fatalf("commit after reconnect: %v", err)
	}
}
