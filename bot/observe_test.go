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

// recObserver counts the Observer calls as "method args..." strings.
type recObserver struct {
	mu     sync.Mutex
	events map[string]int
}

func newRecObserver() *recObserver { return &recObserver{events: map[string]int{}} }

func (o *recObserver) add(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events[fmt.Sprintf(format, args...)]++
}

func (o *recObserver) count(event string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.events[event]
}

func (o *recObserver) snapshot() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make(map[string]int, len(o.events))
	for k, v := range o.events {
		out[k] = v
	}
	return out
}

func (o *recObserver) Inbound(ch string) { o.add("inbound %s", ch) }
func (o *recObserver) Matched(ch string, m bot.Match) {
	o.add("matched %s %s %s", ch, m.Top(), m.Verdict)
}
func (o *recObserver) Processed(ch string, _ time.Duration)     { o.add("processed %s", ch) }
func (o *recObserver) HandoffStarted(ch, reason string)         { o.add("handoff %s %s", ch, reason) }
func (o *recObserver) Resolved(ch string)                       { o.add("resolved %s", ch) }
func (o *recObserver) RateLimited(ch string)                    { o.add("limited %s", ch) }
func (o *recObserver) Feedback(i bot.Intent, helpful bool)      { o.add("feedback %s %t", i, helpful) }
func (o *recObserver) CSAT(ch string, score int)                { o.add("csat %s %d", ch, score) }
func (o *recObserver) Sent(ch, outcome string, _ time.Duration) { o.add("sent %s %s", ch, outcome) }

var _ bot.Observer = (*recObserver)(nil)

func TestObserverSeesTheConversation(t *testing.T) {
	es := langs[0]
	ctx := context.Background()
	tests := []struct {
		name string
		fail func(o bot.Outbound, attempt int) error // the channel's
		run  func(t *testing.T, h *harness)
		want map[string]int // events not listed may occur any number of times
	}{
		{"answered", nil, func(t *testing.T, h *harness) {
			h.say("c", es.forgot)
		}, map[string]int{"inbound test": 1, "processed test": 1, "matched test forgot_password answer": 1,
			"sent test sent": 1, "resolved test": 0}},
		{"helpful: resolved by the bot", nil, func(t *testing.T, h *harness) {
			h.say("c", es.forgot)
			h.say("c", es.yes)
		}, map[string]int{"inbound test": 2, "processed test": 2, "feedback forgot_password true": 1, "resolved test": 1,
			"sent test sent": 2}},
		{"unhelpful, then asked for a person", nil, func(t *testing.T, h *harness) {
			h.say("c", es.forgot)
			h.say("c", es.no)
			h.say("c", es.yes)
		}, map[string]int{"feedback forgot_password false": 1, "handoff test unhelpful": 1, "resolved test": 0}},
		{"asked for a person", nil, func(t *testing.T, h *harness) {
			h.say("c", es.human)
		}, map[string]int{"handoff test requested": 1, "matched test human_agent answer": 1}},
		{"misunderstood twice", nil, func(t *testing.T, h *harness) {
			h.say("c", es.offTopic)
			h.say("c", es.offTopic)
			h.say("c", es.yes)
		}, map[string]int{"matched test  none": 2, "handoff test misunderstood": 1}},
		{"needs staff", nil, func(t *testing.T, h *harness) {
			h.say("c", es.disabled)
			h.say("c", es.yes)
		}, map[string]int{"handoff test needs_staff": 1}},
		{"CSAT after an agent", nil, func(t *testing.T, h *harness) {
			h.say("c", es.human)
			id := h.conv("c").HandoffID
			if err := h.eng.Resolve(ctx, id, "ana"); err != nil {
				t.Fatal(err)
			}
			h.say("c", "4")
		}, map[string]int{"csat test 4": 1, "inbound test": 2, "processed test": 2}},
		{"redelivery counted once", nil, func(t *testing.T, h *harness) {
			m := h.msg("c", es.forgot, "")
			h.send(m)
			if err := h.eng.Handle(ctx, m); !errors.Is(err, bot.ErrDuplicate) {
				t.Fatalf("redelivery: %v, want ErrDuplicate", err)
			}
		}, map[string]int{"inbound test": 1, "processed test": 1, "matched test forgot_password answer": 1}},
		{"retry, then sent", func(o bot.Outbound, n int) error {
			if n == 1 {
				return errors.New("503")
			}
			return nil
		}, func(t *testing.T, h *harness) {
			h.say("c", es.forgot)
		}, map[string]int{"sent test retry": 1, "sent test sent": 1}},
		{"dead letter", func(o bot.Outbound, n int) error {
			return fmt.Errorf("blocked: %w", bot.ErrPermanent)
		}, func(t *testing.T, h *harness) {
			h.say("c", es.forgot)
		}, map[string]int{"sent test dead": 1, "sent test sent": 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := newRecObserver()
			h := newHarness(t, chatCaps, func(c *bot.Config, d *bot.DispatcherConfig) { c.Observer, d.Observer = obs, obs })
			h.ch.fail = tc.fail
			tc.run(t, h)
			h.drain() // an attempt is observed before it is recorded
			for ev, want := range tc.want {
				if got := obs.count(ev); got != want {
					t.Errorf("%q observed %d times, want %d (all: %v)", ev, got, want, obs.snapshot())
				}
			}
		})
	}
}
