package bot_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// flakyMarks is a store whose MarkDelivered fails its first calls, as
// while the database restarts.
type flakyMarks struct {
	bot.Store
	mu    sync.Mutex
	fails int
	calls int
}

func (s *flakyMarks) MarkDelivered(ctx context.Context, rs []bot.DeliveryResult) error {
	s.mu.Lock()
	s.calls++
	fail := s.calls <= s.fails
	s.mu.Unlock()
	if fail {
		return errors.New("connection refused")
	}
	return s.Store.MarkDelivered(ctx, rs)
}

// TestUnrecordedOutcomesAreKept: a send whose outcome the store could not
// record is recorded later, never sent again.
func TestUnrecordedOutcomesAreKept(t *testing.T) {
	const chats = 4
	tests := []struct {
		name  string
		fails int
	}{
		{"store healthy", 0},
		{"one failed record", 1},
		{"store down for several polls, past the lease", 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &flakyMarks{Store: pendingReplies(t, chats), fails: tc.fails}
			ch := &funcChannel{send: func(context.Context, bot.Outbound) error { return nil }, entered: make(chan struct{}, 4*chats)}
			d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: []bot.Channel{ch},
				Poll: 20 * time.Millisecond, Lease: 150 * time.Millisecond, SendTimeout: 100 * time.Millisecond,
				Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			t.Cleanup(func() {
				cancel()
				<-done
			})
			deadline := time.Now().Add(20 * time.Second)
			for {
				n, err := st.PendingOutbox(context.Background(), "")
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d replies still pending", n)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if got := ch.count(); got != 2*chats {
				t.Fatalf("%d sends for %d replies: an unrecorded outcome was sent again", got, 2*chats)
			}
		})
	}
}
