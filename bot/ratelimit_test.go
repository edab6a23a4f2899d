package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
)

// clientEntries counts the client's messages stored for a chat.
func (h *harness) clientEntries(chat string) int {
	h.t.Helper()
	tr, err := h.st.Transcript(context.Background(), h.conv(chat).ID, 0, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, e := range tr {
		if e.Kind == bot.KindClient {
			n++
		}
	}
	return n
}

// flood sends n greetings from chat's contact without the clock moving.
func (h *harness) flood(chat string, n int) {
	h.t.Helper()
	for range n {
		if err := h.eng.Handle(context.Background(), h.msg(chat, "hola", "")); err != nil {
			h.t.Fatal(err)
		}
	}
}

func TestRateLimit(t *testing.T) {
	ctx := context.Background()
	es := bot.Lang("es")
	tests := []struct {
		name  string
		limit rate.Limit
		burst int
		caps  bot.Capabilities
		run   func(t *testing.T, h *harness, obs *recObserver, dk *desk)
	}{
		{"a flood gets one notice and is stored", 1, 4, chatCaps, func(t *testing.T, h *harness, obs *recObserver, dk *desk) {
			const n = 20
			h.flood("c", n)
			got := h.replies("c")
			if len(got) != 4+1 {
				t.Fatalf("%d replies to %d messages, want the burst of 4 and one notice", len(got), n)
			}
			if last := got[4]; last.Kind != bot.KindNotice || last.Reply.Text != h.text(es, "rate_limited") {
				t.Fatalf("last reply %q (%s), want the rate_limited notice", last.Reply.Text, last.Kind)
			}
			if got := h.clientEntries("c"); got != n {
				t.Fatalf("%d client messages stored, want %d", got, n)
			}
			if got := obs.count("limited test"); got != n-4 {
				t.Fatalf("%d observed as rate limited, want %d", got, n-4)
			}
			if got := obs.count("inbound test"); got != n {
				t.Fatalf("%d observed inbound, want %d", got, n)
			}
			// Another contact is unaffected.
			expect(t, h.say("d", "hola"), h.text(es, "welcome"))
			// A second later the contact has one token: answered, and the
			// next message starts a new flood with its own notice.
			h.clock.Add(time.Second)
			expect(t, h.say("c", "hola"), h.text(es, "welcome"))
			expect(t, h.say("c", "hola"), h.text(es, "rate_limited"))
			if got := h.say("c", "hola"); len(got) != 0 {
				t.Fatalf("second notice in one flood: %q", got[0].Reply.Text)
			}
			// Once the bucket refilled, a whole burst is answered again.
			h.clock.Add(time.Minute)
			h.flood("c", 4)
			if got := h.replies("c"); len(got) != 4 {
				t.Fatalf("%d replies to a burst after a pause, want 4", len(got))
			}
		}},
		{"the limit is per contact, across chats", 1, 2, chatCaps, func(t *testing.T, h *harness, obs *recObserver, dk *desk) {
			m := h.msg("c", "hola", "")
			for _, chat := range []string{"c", "c2", "c3"} {
				m.ChatID = chat
				m.PlatformID += chat
				if err := h.eng.Handle(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			expect(t, h.replies("c"), h.text(es, "welcome"))
			expect(t, h.replies("c2"), h.text(es, "welcome"))
			expect(t, h.replies("c3"), h.text(es, "rate_limited"))
		}},
		{"redeliveries do not count", 1, 2, chatCaps, func(t *testing.T, h *harness, obs *recObserver, dk *desk) {
			m := h.msg("c", "hola", "")
			for i := range 10 {
				err := h.eng.Handle(ctx, m)
				if i > 0 && !errors.Is(err, bot.ErrDuplicate) {
					t.Fatalf("redelivery %d: %v, want ErrDuplicate", i, err)
				}
			}
			expect(t, h.replies("c"), h.text(es, "welcome"))
			expect(t, h.say("c", "hola"), h.text(es, "welcome"))
		}},
		{"the dialogue resumes where it was", 1, 1, smsCaps, func(t *testing.T, h *harness, obs *recObserver, dk *desk) {
			expect(t, h.say("c", "olvidé mi contraseña"), h.text(es, "ask_feedback"))
			h.flood("c", 3)
			expect(t, h.replies("c"), h.text(es, "rate_limited"))
			h.clock.Add(time.Second)
			expect(t, h.say("c", "1"), h.text(es, "feedback_thanks")) // "1" is still "yes"
			if got := obs.count("resolved test"); got != 1 {
				t.Fatalf("resolved %d times, want 1", got)
			}
		}},
		{"messages to agents are always relayed", 1, 2, chatCaps, func(t *testing.T, h *harness, obs *recObserver, dk *desk) {
			expect(t, h.say("c", "quiero hablar con una persona"), h.text(es, "handoff_started"))
			const n = 15
			h.flood("c", n)
			if got := h.replies("c"); len(got) != 0 {
				t.Fatalf("the bot spoke while waiting for an agent: %q", got[0].Reply.Text)
			}
			if got := dk.counts()[1]; got != n {
				t.Fatalf("%d messages relayed to the desk, want %d", got, n)
			}
			if got := obs.count("limited test"); got != 0 {
				t.Fatalf("%d relayed messages rate limited", got)
			}
			if err := h.eng.Resolve(ctx, h.conv("c").HandoffID, "ana"); err != nil {
				t.Fatal(err)
			}
			expect(t, h.replies("c"), h.text(es, "csat_ask"))
			expect(t, h.say("c", "4"), h.text(es, "csat_thanks"))
		}},
		{"no limit", 0, 0, chatCaps, func(t *testing.T, h *harness, obs *recObserver, dk *desk) {
			h.flood("c", 50)
			if got := h.replies("c"); len(got) != 50 {
				t.Fatalf("%d replies to 50 messages without a limit", len(got))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs, dk := newRecObserver(), &desk{}
			h := newHarness(t, tc.caps, func(c *bot.Config, _ *bot.DispatcherConfig) {
				c.RateLimit, c.RateBurst, c.Observer, c.Desk = tc.limit, tc.burst, obs, dk
			})
			tc.run(t, h, obs, dk)
		})
	}
}
