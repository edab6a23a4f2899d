package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// funcChannel sends through a function and counts the calls entered.
type funcChannel struct {
	send    func(ctx context.Context, o bot.Outbound) error
	entered chan struct{} // one value per Send call, never blocking
	mu      sync.Mutex
	sent    int
}

func (c *funcChannel) Name() string                   { return "test" }
func (c *funcChannel) Capabilities() bot.Capabilities { return chatCaps }
func (c *funcChannel) Send(ctx context.Context, o bot.Outbound) (string, error) {
	select {
	case c.entered <- struct{}{}:
	default:
	}
	if err := c.send(ctx, o); err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent++
	return fmt.Sprint("pid-", o.ID), nil
}

func (c *funcChannel) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent
}

// pendingReplies commits two replies in each of chats conversations, with
// no dispatcher running.
func pendingReplies(t *testing.T, chats int) bot.Store {
	t.Helper()
	kb, m, st := realParts(t, t.TempDir())
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: kb, Channels: map[string]bot.Capabilities{"test": chatCaps},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for c := range chats {
		for i, text := range []string{"hola", "olvidé mi contraseña"} {
			msg := bot.Message{Channel: "test", ChatID: fmt.Sprint("c", c), ContactID: fmt.Sprint("u", c), Text: text,
				PlatformID: fmt.Sprintf("c%d-%d", c, i), Time: time.Now()}
			if err := eng.Handle(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

func TestDispatcherDrainsOnShutdown(t *testing.T) {
	const chats = 5
	tests := []struct {
		name  string
		drain time.Duration
		// send is the channel; release lets blocked sends go once the
		// dispatcher was cancelled.
		send        func(release <-chan struct{}, t *testing.T) func(ctx context.Context, o bot.Outbound) error
		wantSent    int
		wantPending int
		wantRetries int // attempts observed as cancelled
	}{
		{"everything due is flushed within the drain", time.Minute,
			func(release <-chan struct{}, _ *testing.T) func(context.Context, bot.Outbound) error {
				return func(ctx context.Context, _ bot.Outbound) error { <-release; return nil }
			}, 2 * chats, 0, 0},
		{"a blocked channel is cancelled at the deadline", 100 * time.Millisecond,
			func(<-chan struct{}, *testing.T) func(context.Context, bot.Outbound) error {
				return func(ctx context.Context, _ bot.Outbound) error { <-ctx.Done(); return ctx.Err() }
			}, 0, 2 * chats, chats},
		{"a channel ignoring cancellation is given up on", 100 * time.Millisecond,
			func(_ <-chan struct{}, t *testing.T) func(context.Context, bot.Outbound) error {
				stuck := make(chan struct{})
				t.Cleanup(func() { close(stuck) })
				return func(context.Context, bot.Outbound) error { <-stuck; return nil }
			}, 0, 2 * chats, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := pendingReplies(t, chats)
			release := make(chan struct{})
			ch := &funcChannel{send: tc.send(release, t), entered: make(chan struct{}, 2*chats)}
			obs := newRecObserver()
			d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: []bot.Channel{ch}, Drain: tc.drain,
				Observer: obs, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			// Cancel with the first reply of every conversation in flight
			// and the second still pending.
			for range chats {
				<-ch.entered
			}
			cancel()
			close(release)
			start := time.Now()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(tc.drain + 30*time.Second):
				t.Fatal("Run did not return after the drain")
			}
			if took := time.Since(start); tc.wantPending == 0 && took >= tc.drain {
				t.Fatalf("Run took %s, the whole drain, with nothing left to send", took)
			}
			if got := ch.count(); got != tc.wantSent {
				t.Fatalf("%d sent, want %d", got, tc.wantSent)
			}
			bg := context.Background()
			if n, err := st.PendingOutbox(bg, ""); err != nil || n != tc.wantPending {
				t.Fatalf("%d pending (%v), want %d", n, err, tc.wantPending)
			}
			if dead, _ := st.Outbox(bg, bot.OutboxDead, 10); len(dead) != 0 {
				t.Fatalf("%d dead letters after a shutdown", len(dead))
			}
			// What was in flight is not leased: claimable at once.
			if tc.wantPending > 0 {
				items, err := st.ClaimOutbox(bg, []string{"test"}, time.Now(), time.Minute, 100)
				if err != nil || len(items) != chats {
					t.Fatalf("claimed %d rows after the shutdown (%v), want %d: still leased", len(items), err, chats)
				}
				if got := obs.count("sent test retry"); got != tc.wantRetries {
					t.Fatalf("%d cancelled attempts observed, want %d", got, tc.wantRetries)
				}
			}
		})
	}
}
