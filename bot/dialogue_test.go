package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

var (
	chatCaps = bot.Capabilities{Buttons: true, MaxLen: 4096, Markdown: true, Relayable: true} // Telegram-like
	smsCaps  = bot.Capabilities{MaxLen: 1600, ShortForm: true, Relayable: true}               // SMS-like
)

// phrases in each language, chosen for what the real matcher makes of them.
type phrases struct {
	l                                     bot.Lang
	forgot, yes, no, twoWay, code, human  string
	offTopic, disabled, later, foreignTip string
}

var langs = []phrases{
	{bot.Lang("es"), "olvidé mi contraseña", "sí", "no", "contraseña código", "código", "quiero hablar con una persona",
		"¿qué tiempo hace mañana?", "mi cuenta está desactivada", "no me llega el correo", "1"},
	{bot.Lang("fr"), "j'ai oublié mon mot de passe", "oui", "non", "mot de passe code", "le code", "je veux parler à un humain",
		"quel temps fera-t-il demain", "mon compte est désactivé", "je n'ai pas reçu l'email", "oui"},
	{bot.Lang("en"), "I forgot my password", "yes", "no", "password code", "the code", "I want to talk to a human",
		"what's the weather tomorrow", "my account is disabled", "I didn't get the email", "YES!"},
}

func (h *harness) answer(i bot.Intent, l bot.Lang, caps bot.Capabilities) string {
	h.t.Helper()
	a, ok := h.kb.Answer(i, l, bot.Client)
	if !ok {
		h.t.Fatalf("no %s answer in %s", i, l)
	}
	if caps.ShortForm {
		return a.Short
	}
	return a.Full
}

func TestAnswerThenYes(t *testing.T) {
	for _, p := range langs {
		for _, tc := range []struct {
			name string
			caps bot.Capabilities
		}{{"buttons", chatCaps}, {"numbered", smsCaps}} {
			t.Run(string(p.l)+"/"+tc.name, func(t *testing.T) {
				h := newHarness(t, tc.caps)
				r := expect(t, h.say("c", p.forgot), h.answer(bot.Intent("forgot_password"), p.l, tc.caps), h.text(p.l, "ask_feedback"))
				if tc.caps.Buttons {
					if len(r.Reply.Buttons) != 2 || r.Reply.Buttons[0].Payload != bot.PayloadYes || r.Reply.Buttons[1].Payload != bot.PayloadNo {
						t.Fatalf("buttons %+v", r.Reply.Buttons)
					}
				} else if len(r.Reply.Buttons) != 0 || !strings.Contains(r.Reply.Text, "1. "+h.text(p.l, "yes")) ||
					!strings.Contains(r.Reply.Text, h.text(p.l, "numbered_hint")) {
					t.Fatalf("numbered options missing:\n%s", r.Reply.Text)
				}
				if r.Lang != p.l {
					t.Fatalf("reply language %s, want %s", r.Lang, p.l)
				}
				expect(t, h.say("c", p.yes), h.text(p.l, "feedback_thanks"))
				if c := h.conv("c"); c.State != bot.StateResolved || c.Lang != p.l {
					t.Fatalf("conversation %s in %s, want resolved in %s", c.State, c.Lang, p.l)
				}
				rep, err := h.st.Report(context.Background(), h.clock.Now().Add(-time.Hour), 5)
				if err != nil || rep.ResolvedByBot != 1 || rep.Conversations != 1 {
					t.Fatalf("report %+v %v", rep, err)
				}
			})
		}
	}
}

func TestNoThenNextThenHuman(t *testing.T) {
	for _, p := range langs {
		t.Run(string(p.l), func(t *testing.T) {
			h := newHarness(t, chatCaps)
			expect(t, h.say("c", p.twoWay), h.answer(bot.Intent("forgot_password"), p.l, chatCaps))
			expect(t, h.say("c", p.no), h.text(p.l, "feedback_next"), h.answer(bot.Intent("change_password"), p.l, chatCaps), h.text(p.l, "ask_feedback"))
			r := expect(t, h.send(h.msg("c", "", bot.PayloadNo)), h.text(p.l, "offer_human"))
			if r.Reply.Buttons[0].Label != h.text(p.l, "human_button") {
				t.Fatalf("offer buttons %+v", r.Reply.Buttons)
			}
			expect(t, h.say("c", "1"), h.text(p.l, "handoff_started"))
			if c := h.conv("c"); c.State != bot.StateWaiting || c.HandoffID == 0 {
				t.Fatalf("conversation %+v, want waiting with a handoff", c)
			}
			q, _ := h.st.Handoffs(context.Background(), bot.HandoffWaiting)
			if len(q) != 1 || q[0].Reason != "unhelpful" || q[0].Lang != p.l {
				t.Fatalf("queue %+v", q)
			}
			// While waiting, the bot stays silent.
			if got := h.say("c", p.forgot); len(got) != 0 {
				t.Fatalf("bot answered while waiting for an agent: %q", got[0].Reply.Text)
			}
			rep, _ := h.st.Report(context.Background(), h.clock.Now().Add(-time.Hour), 5)
			if rep.Unhelpful[bot.Intent("forgot_password")] != 1 || rep.Unhelpful[bot.Intent("change_password")] != 1 || rep.HandedOff != 1 {
				t.Fatalf("report %+v", rep)
			}
		})
	}
}

// clarifying answers text with a clarify verdict between two intents and
// hands everything else to the real matcher: how the engine asks does not
// depend on which messages the model finds ambiguous.
type clarifying struct {
	bot.Matcher
	text string
	a, b bot.Intent
}

func (c clarifying) Match(text string, h bot.MatchHints) bot.Match {
	m := c.Matcher.Match(text, h)
	if text == c.text {
		m.Verdict, m.Ranked = bot.VerdictClarify, []bot.Scored{{Intent: c.a, Confidence: 0.45}, {Intent: c.b, Confidence: 0.4}}
	}
	return m
}

func TestClarify(t *testing.T) {
	for _, p := range langs {
		t.Run(string(p.l), func(t *testing.T) {
			h := newHarness(t, chatCaps, func(cfg *bot.Config, _ *bot.DispatcherConfig) {
				cfg.Matcher = clarifying{Matcher: cfg.Matcher, text: p.code, a: "code_rejected", b: "code_not_received"}
			})
			a, _ := h.kb.Answer(bot.Intent("code_rejected"), p.l, bot.Client)
			b, _ := h.kb.Answer(bot.Intent("code_not_received"), p.l, bot.Client)
			r := expect(t, h.say("c", p.code), a.Title, b.Title)
			if len(r.Reply.Buttons) != 3 || r.Reply.Buttons[2].Payload != bot.PayloadNone {
				t.Fatalf("buttons %+v", r.Reply.Buttons)
			}
			// The two intents in either order, the likelier first.
			got := []string{r.Reply.Buttons[0].Payload, r.Reply.Buttons[1].Payload}
			slices.Sort(got)
			if want := []string{bot.PayloadIntent + "code_not_received", bot.PayloadIntent + "code_rejected"}; !slices.Equal(got, want) {
				t.Fatalf("buttons %+v, want %v", r.Reply.Buttons, want)
			}
			// Typing the number works as well as pressing the button.
			second := bot.Intent(strings.TrimPrefix(r.Reply.Buttons[1].Payload, bot.PayloadIntent))
			expect(t, h.say("c", "2"), h.answer(second, p.l, chatCaps), h.text(p.l, "ask_feedback"))
			// "Something else" counts as a misunderstanding.
			expect(t, h.say("c", p.code))
			expect(t, h.send(h.msg("c", "", bot.PayloadNone)), h.text(p.l, "not_understood"))
		})
	}
}

func TestTwoMisunderstandingsOfferHuman(t *testing.T) {
	for _, p := range langs {
		t.Run(string(p.l), func(t *testing.T) {
			h := newHarness(t, smsCaps)
			h.say("c", p.forgot) // sets the language
			expect(t, h.say("c", p.offTopic), h.text(p.l, "not_understood"))
			expect(t, h.say("c", p.offTopic), h.text(p.l, "handoff_confirm"))
			expect(t, h.say("c", p.foreignTip), h.text(p.l, "handoff_started"))
			q, _ := h.st.Handoffs(context.Background(), bot.HandoffWaiting)
			if len(q) != 1 || q[0].Reason != "misunderstood" {
				t.Fatalf("queue %+v", q)
			}
		})
	}
}

func TestNeedsStaffAsksBeforeHandoff(t *testing.T) {
	for _, p := range langs {
		t.Run(string(p.l), func(t *testing.T) {
			h := newHarness(t, chatCaps)
			expect(t, h.say("c", p.disabled), h.answer(bot.Intent("account_disabled"), p.l, chatCaps), h.text(p.l, "handoff_confirm"))
			expect(t, h.say("c", p.no), h.text(p.l, "topics_intro"))
			if c := h.conv("c"); c.State.WithHuman() {
				t.Fatal("handed off although the client declined")
			}
			expect(t, h.say("c", p.disabled))
			expect(t, h.say("c", p.yes), h.text(p.l, "handoff_started"))
			q, _ := h.st.Handoffs(context.Background(), bot.HandoffWaiting)
			if len(q) != 1 || q[0].Reason != "needs_staff" {
				t.Fatalf("queue %+v", q)
			}
		})
	}
}

func TestHandoffAgentResolveCSAT(t *testing.T) {
	ctx := context.Background()
	for i, p := range langs {
		// The agent works in the bot's process (Slack) or in another one
		// (the console agent) whose changes the bot must not overwrite.
		where := []string{"same process", "other process"}[i%2]
		t.Run(string(p.l)+"/"+where, func(t *testing.T) {
			h := newHarness(t, smsCaps)
			agent := h.eng
			if where == "other process" {
				agent = h.otherProcess()
			}
			h.say("c", p.forgot)
			expect(t, h.say("c", p.human), h.text(p.l, "handoff_started")) // asked: no confirmation
			if got := h.say("c", p.later); len(got) != 0 {
				t.Fatalf("bot answered while waiting: %q", got[0].Reply.Text)
			}
			id := h.conv("c").HandoffID
			if err := agent.Take(ctx, id, "ana"); err != nil {
				t.Fatal(err)
			}
			if err := agent.Take(ctx, id, "bob"); err == nil {
				t.Fatal("a second agent took a taken handoff")
			}
			if c := h.conv("c"); c.State != bot.StateWithAgt || c.Agent != "ana" {
				t.Fatalf("after take: %s %q", c.State, c.Agent)
			}
			if err := agent.Reply(ctx, id, "ana", "Hola, soy Ana"); err != nil {
				t.Fatal(err)
			}
			if r := expect(t, h.replies("c"), "Hola, soy Ana"); r.Kind != bot.KindAgent {
				t.Fatalf("agent reply kind %q", r.Kind)
			}
			if err := agent.Note(ctx, id, "ana", "verified the email"); err != nil {
				t.Fatal(err)
			}
			if got := h.replies("c"); len(got) != 0 {
				t.Fatal("an internal note was sent to the client")
			}
			if got := h.say("c", p.forgot); len(got) != 0 {
				t.Fatal("bot answered while with an agent")
			}
			if err := agent.Resolve(ctx, id, "ana"); err != nil {
				t.Fatal(err)
			}
			expect(t, h.replies("c"), h.text(p.l, "resolved_by_agent"), h.text(p.l, "csat_ask"))
			expect(t, h.say("c", "9"), h.text(p.l, "csat_invalid"))
			expect(t, h.say("c", "4"), h.text(p.l, "csat_thanks"))
			hd, err := h.st.Handoff(ctx, id)
			if err != nil || hd.CSAT != 4 || hd.Status != bot.HandoffResolved {
				t.Fatalf("handoff %+v %v", hd, err)
			}
			// The bot answers again.
			expect(t, h.say("c", p.forgot), h.answer(bot.Intent("forgot_password"), p.l, smsCaps))
			tr, _ := h.st.Transcript(ctx, h.conv("c").ID, 0, 0)
			kinds := map[string]int{}
			for _, e := range tr {
				kinds[e.Kind]++
			}
			if kinds[bot.KindNote] != 1 || kinds[bot.KindAgent] != 1 || kinds[bot.KindCSAT] != 1 || kinds[bot.KindClient] != 7 {
				t.Fatalf("transcript kinds %v", kinds)
			}
		})
	}
}

func TestGreetingAndLanguage(t *testing.T) {
	h := newHarness(t, chatCaps)
	r := expect(t, h.say("c", "hola"), h.text(bot.Lang("es"), "welcome"))
	if len(r.Reply.Buttons) != 4 || !strings.HasPrefix(r.Reply.Buttons[0].Payload, bot.PayloadIntent) {
		t.Fatalf("topic buttons %+v", r.Reply.Buttons)
	}
	expect(t, h.send(h.msg("c", "", r.Reply.Buttons[0].Payload)), h.answer(bot.Intent("forgot_password"), bot.Lang("es"), chatCaps))
	expect(t, h.say("c", "english"), h.text(bot.Lang("en"), "lang_switched"))
	ct, err := h.st.Contact(context.Background(), "test", "u-c")
	if err != nil || ct.Lang != bot.Lang("en") {
		t.Fatalf("contact language %q %v", ct.Lang, err)
	}
	expect(t, h.say("c", "my account is disabled"), h.answer(bot.Intent("account_disabled"), bot.Lang("en"), chatCaps))
	expect(t, h.say("c", "j'ai oublié mon mot de passe et je ne peux plus me connecter"), h.answer(bot.Intent("forgot_password"), bot.Lang("fr"), chatCaps))
	expect(t, h.say("c", "español"), h.text(bot.Lang("es"), "lang_switched"))
}

func TestBadInputGetsReplyAndIsStored(t *testing.T) {
	h := newHarness(t, chatCaps)
	h.say("c", "hola")
	cases := []struct {
		name string
		m    bot.Message
		want string
	}{
		{"empty", h.msg("c", "   ", ""), "empty_message"},
		{"emoji only", h.msg("c", "🙂🙂👍", ""), "empty_message"},
		{"invalid utf-8", h.msg("c", "\xff\xfe\xfd", ""), "empty_message"},
		{"media only", func() bot.Message { m := h.msg("c", "", ""); m.Media = true; return m }(), "media_only"},
		{"100 KB", h.msg("c", "olvidé mi contraseña "+strings.Repeat("a", 100*1024), ""), "too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, h.send(tc.m), h.text(bot.Lang("es"), tc.want))
		})
	}
	tr, err := h.st.Transcript(context.Background(), h.conv("c").ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	clients := 0
	for _, e := range tr {
		if e.Kind == bot.KindClient {
			clients++
		}
	}
	if clients != len(cases)+1 {
		t.Fatalf("%d client messages stored, want %d", clients, len(cases)+1)
	}
}

func TestOffHoursHandoff(t *testing.T) {
	hours, err := bot.ParseHours("Europe/Madrid", "mon-fri 09:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, chatCaps, func(c *bot.Config, _ *bot.DispatcherConfig) { c.Hours = hours })
	h.clock.Add(-14 * time.Hour) // Sunday 20:00 UTC, 21:00 in Madrid
	h.say("c", "hola")
	want := h.kb.Text(bot.Lang("es"), "handoff_offhours", map[string]string{"when": "el lunes a las 09:00 (Europe/Madrid)"})
	expect(t, h.say("c", "quiero hablar con una persona"), want)
	if c := h.conv("c"); c.State != bot.StateWaiting {
		t.Fatalf("state %s, want queued anyway", c.State)
	}
}

func TestQueueNoticeOnce(t *testing.T) {
	h := newHarness(t, chatCaps)
	h.say("c", "I want to talk to a human")
	ctx := context.Background()
	if err := h.eng.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.replies("c"); len(got) != 0 {
		t.Fatalf("notice before the delay: %q", got[0].Reply.Text)
	}
	h.clock.Add(11 * time.Minute)
	for range 2 {
		if err := h.eng.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if r := expect(t, h.replies("c"), h.text(bot.Lang("en"), "handoff_queued_long")); r.Kind != bot.KindNotice {
		t.Fatalf("kind %q", r.Kind)
	}
	if q, _ := h.st.Handoffs(ctx, bot.HandoffWaiting); len(q) != 1 {
		t.Fatal("handoff left the queue")
	}
}
