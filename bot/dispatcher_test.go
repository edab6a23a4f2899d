package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// desk records agent-side notifications.
type desk struct {
	mu                              sync.Mutex
	created, relayed, dead, reminds int
}

func (d *desk) HandoffCreated(ctx context.Context, h bot.Handoff) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if h.ID == 0 || h.ConvID == 0 {
		return errors.New("handoff without ids")
	}
	d.created++
	return nil
}

func (d *desk) ClientMessage(ctx context.Context, h bot.Handoff, e bot.Entry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.relayed++
	return nil
}

func (d *desk) Undeliverable(ctx context.Context, o bot.OutboxItem) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dead++
	return nil
}

func (d *desk) Reminder(ctx context.Context, h bot.Handoff) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.reminds++
	return nil
}

func (d *desk) counts() [4]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return [4]int{d.created, d.relayed, d.dead, d.reminds}
}

func TestDispatcherRetries(t *testing.T) {
	transient := errors.New("503 from platform")
	tests := []struct {
		name      string
		fail      func(o bot.Outbound, attempt int) error
		wantSent  int
		wantDead  int
		minGap    time.Duration // between first and last attempt
		wantTries int
	}{
		{"transient then ok", func(o bot.Outbound, n int) error {
			if n < 3 {
				return fmt.Errorf("send: %w", transient)
			}
			return nil
		}, 1, 0, 0, 3},
		{"retry-after honoured", func(o bot.Outbound, n int) error {
			if n == 1 {
				return &bot.RetryAfterError{After: 300 * time.Millisecond, Err: transient}
			}
			return nil
		}, 1, 0, 300 * time.Millisecond, 2},
		{"permanent is dead at once", func(o bot.Outbound, n int) error {
			return fmt.Errorf("blocked by user: %w", bot.ErrPermanent)
		}, 0, 1, 0, 1},
		{"max attempts then dead", func(o bot.Outbound, n int) error { return transient }, 0, 1, 0, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dk := &desk{}
			var mu sync.Mutex
			var times []time.Time
			h := newHarness(t, chatCaps, func(c *bot.Config, d *bot.DispatcherConfig) {
				d.MaxAttempts, d.Desk, c.Desk = 4, dk, dk
			})
			h.ch.fail = func(o bot.Outbound, n int) error {
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
				return tc.fail(o, n)
			}
			if err := h.eng.Handle(context.Background(), h.msg("c", "hola", "")); err != nil {
				t.Fatal(err)
			}
			got := h.replies("c")
			if len(got) != tc.wantSent {
				t.Fatalf("sent %d, want %d", len(got), tc.wantSent)
			}
			dead, _ := h.st.Outbox(context.Background(), bot.OutboxDead, 10)
			if len(dead) != tc.wantDead {
				t.Fatalf("dead letters %d, want %d", len(dead), tc.wantDead)
			}
			if dk.counts()[2] != tc.wantDead {
				t.Fatalf("desk told of %d undeliverable, want %d", dk.counts()[2], tc.wantDead)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(times) != tc.wantTries {
				t.Fatalf("%d attempts, want %d", len(times), tc.wantTries)
			}
			if gap := times[len(times)-1].Sub(times[0]); gap < tc.minGap {
				t.Fatalf("retried after %s, want at least %s", gap, tc.minGap)
			}
		})
	}
}

func TestFailingReplyHoldsLaterOnesOfItsConversationOnly(t *testing.T) {
	h := newHarness(t, chatCaps, func(_ *bot.Config, d *bot.DispatcherConfig) { d.MaxAttempts = 1000 })
	var mu sync.Mutex
	block := true
	h.ch.fail = func(o bot.Outbound, n int) error {
		mu.Lock()
		defer mu.Unlock()
		if o.ChatID == "slow" && block {
			return &bot.RetryAfterError{After: 20 * time.Millisecond, Err: errors.New("rate limited")}
		}
		return nil
	}
	ctx := context.Background()
	for _, text := range []string{"hola", "olvidé mi contraseña", "sí"} {
		if err := h.eng.Handle(ctx, h.msg("slow", text, "")); err != nil {
			t.Fatal(err)
		}
	}
	// The other conversation is not held up.
	if err := h.eng.Handle(ctx, h.msg("fast", "hola", "")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(h.ch.sentTo("fast")) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the other conversation's reply was not sent")
		}
	}
	if got := h.ch.sentTo("slow"); len(got) != 0 {
		t.Fatalf("%d replies overtook the failing one", len(got))
	}
	mu.Lock()
	block = false
	mu.Unlock()
	got := h.replies("slow")
	if len(got) != 3 || got[2].Reply.Text != h.text(bot.Lang("es"), "feedback_thanks") {
		t.Fatalf("after recovery: %d replies", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].ID <= got[i-1].ID {
			t.Fatal("replies out of order")
		}
	}
}

func TestDeskNotified(t *testing.T) {
	dk := &desk{}
	h := newHarness(t, chatCaps, func(c *bot.Config, _ *bot.DispatcherConfig) { c.Desk = dk })
	h.say("c", "I want to talk to a human")
	h.say("c", "are you there?")
	h.clock.Add(11 * time.Minute)
	if err := h.eng.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := dk.counts(); got != [4]int{1, 1, 0, 1} {
		t.Fatalf("desk created/relayed/dead/reminders = %v, want [1 1 0 1]", got)
	}
}
