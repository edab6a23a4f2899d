package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// handOff walks a client from a question to a human: answer, "No" (as
// often as the bot offers something else), then yes to a person.
func (e *env) handOff(chat string) bot.Handoff {
	e.t.Helper()
	e.clientSays(chat, "olvidé mi contraseña", "")
	for range 3 {
		if e.conv(e.client.name, chat).Dialog.Awaiting == bot.AwaitHandoff {
			break
		}
		e.clientSays(chat, "No", bot.PayloadNo)
	}
	if got := e.conv(e.client.name, chat).Dialog.Awaiting; got != bot.AwaitHandoff {
		e.t.Fatalf("bot never offered a person (awaiting %q)", got)
	}
	e.clientSays(chat, "Sí", bot.PayloadYes)
	c := e.conv(e.client.name, chat)
	if c.State != bot.StateWaiting || c.HandoffID == 0 {
		e.t.Fatalf("conversation %s with handoff %d, want waiting", c.State, c.HandoffID)
	}
	h, err := e.store.Handoff(context.Background(), c.HandoffID)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// parent waits for the parent message of the n-th handoff post.
func (e *env) parent() call {
	e.t.Helper()
	var p call
	e.fake.waitCalls(e.t, "chat.postMessage", "the handoff's parent message", func(cs []call) bool {
		for _, c := range cs {
			if c.Channel == agentsChan && c.ThreadTS == "" {
				p = c
				return true
			}
		}
		return false
	})
	e.idle() // the thread is saved once the post returned
	return p
}

// threadPosts lists the bot's posts in a thread.
func (e *env) threadPosts(ts string) []call {
	var out []call
	for _, c := range e.fake.Calls("chat.postMessage") {
		if c.Channel == agentsChan && c.ThreadTS == ts {
			out = append(out, c)
		}
	}
	return out
}

// lastUpdate is the last chat.update of a message.
func (e *env) lastUpdate(ts string) call {
	var u call
	for _, c := range e.fake.Calls("chat.update") {
		if c.TS == ts {
			u = c
		}
	}
	return u
}

// waitClient waits until the client channel got a message of kind.
func (e *env) waitClient(kind, what string) bot.Outbound {
	e.t.Helper()
	var got bot.Outbound
	waitFor(e.t, what, func() bool {
		for _, o := range e.client.Sent() {
			if o.Kind == kind {
				got = o
			}
		}
		return got.Kind == kind
	})
	return got
}

func countKind(r *recorder, kind string) int {
	n := 0
	for _, o := range r.Sent() {
		if o.Kind == kind {
			n++
		}
	}
	return n
}

func TestAgentInboxFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	h := e.handOff("4242")

	p := e.parent()
	for _, want := range []string{"Handoff #", "Ana Pérez", "Telegram", "Spanish (es)", "forgot_password",
		"olvidé mi contraseña", "Waiting for an agent"} {
		if !strings.Contains(p.Blocks, want) {
			t.Errorf("parent message lacks %q:\n%s", want, p.Blocks)
		}
	}
	ids, _ := blockButtons(t, p.Blocks)
	if strings.Join(ids, ",") != takeActionID+","+resolveActionID {
		t.Errorf("parent buttons %v, want Take and Resolve", ids)
	}
	if !strings.Contains(p.Blocks, `"block_id":"handoff:`) {
		t.Errorf("actions block id: %s", p.Blocks)
	}
	thread := p.PostedTS

	// The client writes while waiting: into the thread, the bot stays silent.
	bots := countKind(e.client, bot.KindBot)
	e.clientSays("4242", "¿hay alguien ahí?", "")
	e.fake.waitCalls(t, "chat.postMessage", "client message in the thread", func([]call) bool {
		ps := e.threadPosts(thread)
		return len(ps) == 1 && strings.Contains(ps[0].Text, "Ana Pérez") && strings.Contains(ps[0].Text, "¿hay alguien ahí?")
	})

	// Someone outside the agents channel cannot take it.
	take := func(user string) []byte {
		return blockAction(user, agentsChan, thread, "", handoffBlock+"1", takeActionID, itoa(h.ID), "Take")
	}
	if code := e.postAction(take("USTRANGER")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	eph := e.fake.waitCalls(t, "chat.postEphemeral", "refusal", func(cs []call) bool { return len(cs) == 1 })
	if eph[0].User != "USTRANGER" || !strings.Contains(eph[0].Text, "Only support agents") {
		t.Errorf("refusal %+v", eph[0])
	}
	if got, _ := e.store.Handoff(ctx, h.ID); got.Status != bot.HandoffWaiting {
		t.Fatalf("handoff %s after a stranger's Take", got.Status)
	}

	// An agent takes it: assigned, and the parent shows who.
	if code := e.postAction(take("UAGENT1")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	e.idle()
	if got, _ := e.store.Handoff(ctx, h.ID); got.Status != bot.HandoffTaken || got.Agent != "UAGENT1" {
		t.Fatalf("handoff %s by %q, want taken by UAGENT1", got.Status, got.Agent)
	}
	u := e.lastUpdate(thread)
	if !strings.Contains(u.Blocks, "Taken by \\u003c@UAGENT1\\u003e") && !strings.Contains(u.Blocks, "Taken by <@UAGENT1>") {
		t.Errorf("parent after Take: %s", u.Blocks)
	}
	if ids, _ := blockButtons(t, u.Blocks); strings.Join(ids, ",") != resolveActionID {
		t.Errorf("buttons after Take %v, want only Resolve", ids)
	}

	// A restart: a new app on the same database still knows the thread.
	app2, err := New(e.app.cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app2.Close() })
	events2 := httptest.NewServer(app2.Events(e.engine))
	t.Cleanup(events2.Close)
	post2 := func(body []byte, hdr ...string) {
		t.Helper()
		if code := e.post(events2.URL, "application/json", body, sign(testSecret, time.Now(), body), hdr...); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
	}

	// The agent's thread reply reaches the client; a redelivery does not repeat it.
	reply := eventBody("EvA1", channelMessage("UAGENT1", agentsChan, "Hola Ana, te ayudo &amp; reviso <https://hexfit.example/reset|este enlace>", "1710000100.000100", thread))
	post2(reply)
	post2(reply, "X-Slack-Retry-Num", "1")
	got := e.waitClient(bot.KindAgent, "the agent's reply on the client channel")
	if got.ChatID != "4242" || got.Reply.Text != "Hola Ana, te ayudo & reviso este enlace (https://hexfit.example/reset)" {
		t.Errorf("relayed %q to %s", got.Reply.Text, got.ChatID)
	}

	// note: stays internal.
	post2(eventBody("EvA2", channelMessage("UAGENT1", agentsChan, "note: cliente con dos cuentas", "1710000101.000100", thread)))
	// Another agent cannot talk over the one who has it.
	post2(eventBody("EvA3", channelMessage("UAGENT2", agentsChan, "Hola, soy Pedro", "1710000102.000100", thread)))
	ctxW, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := app2.work.idle(ctxW); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the note in the transcript", func() bool {
		es, _ := e.store.Transcript(ctx, h.ConvID, 0, 0)
		for _, en := range es {
			if en.Kind == bot.KindNote && en.Text == "cliente con dos cuentas" && en.Author == "UAGENT1" {
				return true
			}
		}
		return false
	})
	time.Sleep(100 * time.Millisecond)
	if n := countKind(e.client, bot.KindAgent); n != 1 {
		t.Errorf("client got %d agent messages, want 1 (no note, no retry, no other agent): %+v", n, e.client.Sent())
	}
	if eph := e.fake.Calls("chat.postEphemeral"); len(eph) != 2 || eph[1].User != "UAGENT2" || !strings.Contains(eph[1].Text, "not sent") {
		t.Errorf("ephemerals %+v, want a refusal for UAGENT2", eph)
	}
	if rs := e.fake.Calls("reactions.add"); len(rs) != 1 {
		t.Errorf("note acknowledged with %d reactions, want 1", len(rs))
	}

	// Resolve: the client is asked for a score, the parent shows the outcome.
	if code := e.postAction(blockAction("UAGENT1", agentsChan, thread, "", handoffBlock+itoa(h.ID), resolveActionID, itoa(h.ID), "Resolve")); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	csat := e.waitClient(bot.KindCSAT, "the satisfaction question")
	if len(csat.Reply.Buttons) != 5 || csat.Reply.Buttons[4].Payload != bot.PayloadCSAT+"5" {
		t.Errorf("CSAT buttons %+v", csat.Reply.Buttons)
	}
	e.idle()
	if u := e.lastUpdate(thread); !strings.Contains(u.Blocks, "Resolved by") {
		t.Errorf("parent after Resolve: %s", u.Blocks)
	} else if ids, _ := blockButtons(t, u.Blocks); len(ids) != 0 {
		t.Errorf("buttons left after Resolve: %v", ids)
	}

	// The bot answers the client again.
	e.clientSays("4242", "5", "")
	e.clientSays("4242", "no recibo el código de verificación", "")
	waitFor(t, "the bot's answer after the handoff", func() bool { return countKind(e.client, bot.KindBot) > bots+1 })
	if c := e.conv(e.client.name, "4242"); c.State.WithHuman() {
		t.Errorf("conversation still %s", c.State)
	}
	if got, _ := e.store.Handoff(ctx, h.ID); got.CSAT != 5 {
		t.Errorf("CSAT %d, want 5", got.CSAT)
	}
}

func TestResolveInThreadAndUndeliverable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(c *Config, _ *bot.Config) { c.AgentIDs = []string{"UAGENT1"} })
	ctx := context.Background()
	h := e.handOff("77")
	thread := e.parent().PostedTS

	// The client's window closed: the agent's reply is dead-lettered and
	// the agent is told in the thread.
	e.client.setRefuse(true)
	if code := e.postEvent(eventBody("EvB1", channelMessage("UAGENT1", agentsChan, "¿Sigues ahí?", "1710000200.000100", thread))); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	e.fake.waitCalls(t, "chat.postMessage", "the undeliverable report", func([]call) bool {
		for _, c := range e.threadPosts(thread) {
			if strings.Contains(c.Text, "could not be delivered") && strings.Contains(c.Text, "¿Sigues ahí?") {
				return true
			}
		}
		return false
	})
	if got, _ := e.store.Handoff(ctx, h.ID); got.Status != bot.HandoffTaken || got.Agent != "UAGENT1" {
		t.Errorf("a reply should take the handoff: %s by %q", got.Status, got.Agent)
	}

	// Members of the channel who are not configured agents are refused.
	if code := e.postEvent(eventBody("EvB2", channelMessage("UAGENT2", agentsChan, "resolve", "1710000201.000100", thread))); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	e.fake.waitCalls(t, "chat.postEphemeral", "refusal", func(cs []call) bool { return len(cs) == 1 && cs[0].User == "UAGENT2" })

	e.client.setRefuse(false)
	if code := e.postEvent(eventBody("EvB3", channelMessage("UAGENT1", agentsChan, "Resolve", "1710000202.000100", thread))); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	e.waitClient(bot.KindCSAT, "the satisfaction question")
	if got, _ := e.store.Handoff(ctx, h.ID); got.Status != bot.HandoffResolved {
		t.Errorf("handoff %s after `resolve`", got.Status)
	}
	if n := len(e.fake.Calls("conversations.members")); n != 0 {
		t.Errorf("configured agent ids, yet conversations.members was called %d times", n)
	}
}

func TestReminderOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, func(c *Config, b *bot.Config) {
		c.MentionHere = true
		b.QueueNotice = time.Millisecond
	})
	h := e.handOff("91")
	thread := e.parent().PostedTS
	time.Sleep(5 * time.Millisecond)
	for range 3 {
		if err := e.engine.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	e.idle()
	var reminders []call
	for _, c := range e.threadPosts(thread) {
		if strings.Contains(c.Text, "still waiting") {
			reminders = append(reminders, c)
		}
	}
	if len(reminders) != 1 {
		t.Fatalf("%d reminders, want 1", len(reminders))
	}
	if r := reminders[0]; !r.Broadcast || !strings.HasPrefix(r.Text, "<!here>") || !strings.Contains(r.Text, "#"+itoa(h.ID)) {
		t.Errorf("reminder %+v: want a broadcast thread reply with @here", r)
	}
	e.waitClient(bot.KindNotice, "the client's 'team will follow up' notice")
}

func TestMembershipCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for _, u := range []string{"UAGENT1", "UAGENT2", "USTRANGER", "UAGENT1"} {
		ok, err := e.app.isAgent(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		if want := u != "USTRANGER"; ok != want {
			t.Errorf("isAgent(%s) = %v, want %v", u, ok, want)
		}
	}
	if n := len(e.fake.Calls("conversations.members")); n != 1 {
		t.Errorf("conversations.members called %d times, want 1 (cached)", n)
	}
}

func TestResyncPostsMissingParents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	h := e.handOff("55")
	p := e.parent()
	if err := e.app.Resync(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.idle()
	if n := len(e.fake.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d posts after resync, want the 1 parent only", n)
	}
	if _, ts, err := e.store.SlackThreadByHandoff(context.Background(), h.ID); err != nil || ts != p.PostedTS {
		t.Errorf("thread %q %v, want %q", ts, err, p.PostedTS)
	}
}

func itoa(n int64) string { return strconvFormat(n) }
