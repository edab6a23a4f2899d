package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

// realKB loads the embedded knowledge base and builds the real matcher once
// for the whole test binary (both are immutable).
var realKB = sync.OnceValues(func() (*content.KB, error) {
	return content.Load(content.Embedded(), content.Site{})
})

var realMatcher = sync.OnceValues(func() (*intents.Matcher, error) {
	kb, err := realKB()
	if err != nil {
		return nil, err
	}
	return intents.FromSource(kb)
})

// realParts returns the real content and matcher and a SQLite store in
// dir, closed at the end of the test.
func realParts(t testing.TB, dir string) (*content.KB, *intents.Matcher, *sqlite.Store) {
	t.Helper()
	kb, err := realKB()
	if err != nil {
		t.Fatal(err)
	}
	m, err := realMatcher()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return kb, m, st
}

// recorder is a bot.Channel that keeps what it was asked to send and can
// be told to fail.
type recorder struct {
	name string
	caps bot.Capabilities
	mu   sync.Mutex
	sent []bot.Outbound
	fail func(o bot.Outbound, attempt int) error // nil: always succeed
	try  map[int64]int
}

func (r *recorder) Name() string                   { return r.name }
func (r *recorder) Capabilities() bot.Capabilities { return r.caps }
func (r *recorder) Send(ctx context.Context, o bot.Outbound) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.try == nil {
		r.try = map[int64]int{}
	}
	r.try[o.ID]++
	if r.fail != nil {
		if err := r.fail(o, r.try[o.ID]); err != nil {
			return "", err
		}
	}
	r.sent = append(r.sent, o)
	return fmt.Sprintf("pid-%d", o.ID), nil
}

// sentTo returns what was sent to a chat.
func (r *recorder) sentTo(chat string) []bot.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []bot.Outbound
	for _, o := range r.sent {
		if o.ChatID == chat {
			out = append(out, o)
		}
	}
	return out
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	eng   *bot.Engine
	st    bot.Store
	ch    *recorder
	disp  *bot.Dispatcher
	kb    *content.KB
	clock *clock
	seq   int
	seen  map[string]int // replies already returned per chat
	dir   string         // the database's directory
}

type option func(cfg *bot.Config, dcfg *bot.DispatcherConfig)

// newHarness wires the real matcher and content, SQLite in a temporary
// directory, a running dispatcher and a recording channel.
func newHarness(t *testing.T, caps bot.Capabilities, opts ...option) *harness {
	t.Helper()
	dir := t.TempDir()
	kb, m, st := realParts(t, dir)
	ch := &recorder{name: "test", caps: caps}
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} // a Monday
	quiet := slog.New(slog.DiscardHandler)
	dcfg := bot.DispatcherConfig{Store: st, Channels: []bot.Channel{ch}, Poll: 5 * time.Millisecond,
		Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Logger: quiet}
	cfg := bot.Config{Store: st, Matcher: m, Knowledge: kb, Channels: map[string]bot.Capabilities{"test": caps}, Now: clk.Now, Logger: quiet}
	for _, o := range opts {
		o(&cfg, &dcfg)
	}
	disp, err := bot.NewDispatcher(dcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Courier = disp
	eng, err := bot.NewEngine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &harness{t: t, eng: eng, st: st, ch: ch, disp: disp, kb: kb, clock: clk, seen: map[string]int{}, dir: dir}
}

// otherProcess returns an engine on its own connection to the same
// database, as the console agent in another terminal has.
func (h *harness) otherProcess() *bot.Engine {
	h.t.Helper()
	st, err := sqlite.OpenDir(context.Background(), h.dir)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	m, _ := realMatcher()
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: h.kb, Now: h.clock.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		h.t.Fatal(err)
	}
	return eng
}

func (h *harness) msg(chat, text, payload string) bot.Message {
	h.seq++
	return bot.Message{Channel: "test", ChatID: chat, ContactID: "u-" + chat, Text: text, Payload: payload,
		PlatformID: fmt.Sprintf("m%d", h.seq), Time: h.clock.Now()}
}

// send hands a message to the engine and returns the replies it caused.
func (h *harness) send(m bot.Message) []bot.Outbound {
	h.t.Helper()
	if err := h.eng.Handle(context.Background(), m); err != nil {
		h.t.Fatalf("handle %q: %v", m.Text, err)
	}
	return h.replies(m.ChatID)
}

func (h *harness) say(chat, text string) []bot.Outbound { return h.send(h.msg(chat, text, "")) }

// replies waits until the outbox is drained and returns the new replies
// to chat.
func (h *harness) replies(chat string) []bot.Outbound {
	h.t.Helper()
	h.drain()
	all := h.ch.sentTo(chat)
	out := all[h.seen[chat]:]
	h.seen[chat] = len(all)
	return out
}

func (h *harness) drain() {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second) // generous: -race on a loaded machine
	for {
		n, err := h.st.PendingOutbox(context.Background(), "")
		if err != nil {
			h.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("outbox not drained: %d pending", n)
		}
		time.Sleep(time.Millisecond)
	}
}

func (h *harness) conv(chat string) bot.Conversation {
	h.t.Helper()
	c, err := h.st.Conversation(context.Background(), "test", chat)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// text is a UI string as the engine would say it.
func (h *harness) text(l bot.Lang, key string) string { return h.kb.Text(l, key, nil) }

// expect checks that exactly one reply came and that it contains every
// part.
func expect(t *testing.T, got []bot.Outbound, parts ...string) bot.Outbound {
	t.Helper()
	if len(got) != 1 {
		texts := make([]string, len(got))
		for i, o := range got {
			texts[i] = o.Reply.Text
		}
		t.Fatalf("got %d replies, want 1: %q", len(got), texts)
	}
	for _, p := range parts {
		if !strings.Contains(got[0].Reply.Text, p) {
			t.Fatalf("reply lacks %q:\n%s", p, got[0].Reply.Text)
		}
	}
	return got[0]
}
