package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// claimCounter counts the rows that reach the dispatcher through
// ClaimOutbox rather than straight from the commit that queued them.
type claimCounter struct {
	bot.Store
	claimed atomic.Int64
}

func (c *claimCounter) ClaimOutbox(ctx context.Context, channels []string, now time.Time, lease time.Duration, limit int) ([]bot.OutboxItem, error) {
	items, err := c.Store.ClaimOutbox(ctx, channels, now, lease, limit)
	c.claimed.Add(int64(len(items)))
	return items, err
}

// TestRepliesGoStraightToTheDispatcher: a reply leased at commit is sent
// without a claim, in order behind the same conversation's replies in
// flight, and a failed send hands what follows it to the claims, which
// keep the order.
func TestRepliesGoStraightToTheDispatcher(t *testing.T) {
	tests := []struct {
		name    string
		fail    bool // the first attempt of every reply fails
		burst   bool // the client writes again before the reply came
		claimed bool // rows may come through claims
	}{
		{name: "one message at a time"},
		{name: "bursts", burst: true},
		{name: "failed sends", fail: true, burst: true, claimed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc := &claimCounter{}
			h := newHarness(t, chatCaps, func(_ *bot.Config, d *bot.DispatcherConfig) {
				cc.Store = d.Store
				d.Store = cc
			})
			if tc.fail {
				h.ch.fail = func(o bot.Outbound, attempt int) error {
					if attempt == 1 {
						return errors.New("platform: 503")
					}
					return nil
				}
			}
			const chats, rounds = 8, 4
			var wg sync.WaitGroup
			for c := range chats {
				wg.Go(func() {
					chat := fmt.Sprint("d", c)
					for i := range rounds {
						m := bot.Message{Channel: "test", ChatID: chat, ContactID: "u-" + chat, Text: "olvidé mi contraseña",
							PlatformID: fmt.Sprintf("d%d-%d", c, i), Time: h.clock.Now()}
						if err := h.eng.Handle(context.Background(), m); err != nil {
							t.Error(err)
							return
						}
						if !tc.burst {
							waitFor(t, func() bool { return len(h.ch.sentTo(chat)) > i })
						}
					}
				})
			}
			wg.Wait()
			h.drain()
			for c := range chats {
				got := h.ch.sentTo(fmt.Sprint("d", c))
				if len(got) != rounds {
					t.Fatalf("chat d%d: %d replies, want %d", c, len(got), rounds)
				}
				for i := 1; i < len(got); i++ {
					if got[i].ID < got[i-1].ID {
						t.Fatalf("chat d%d: reply %d sent before %d", c, got[i].ID, got[i-1].ID)
					}
				}
			}
			if n := cc.claimed.Load(); !tc.claimed && n != 0 {
				t.Fatalf("%d replies claimed, want all handed over at commit", n)
			}
		})
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Error("timed out")
			return
		}
	}
}
