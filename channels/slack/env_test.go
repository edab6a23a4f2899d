package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

// recorder is a client channel fake: it records what the outbox sends and
// can refuse for good (a blocked user, a closed messaging window).
type recorder struct {
	name string
	caps bot.Capabilities

	mu     sync.Mutex
	sent   []bot.Outbound
	refuse bool
}

func (r *recorder) Name() string                   { return r.name }
func (r *recorder) Capabilities() bot.Capabilities { return r.caps }
func (r *recorder) Send(_ context.Context, o bot.Outbound) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse {
		return "", fmt.Errorf("%s: outside the messaging window: %w", r.name, bot.ErrPermanent)
	}
	r.sent = append(r.sent, o)
	return fmt.Sprintf("m%d", len(r.sent)), nil
}

func (r *recorder) Sent() []bot.Outbound {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Outbound(nil), r.sent...)
}

func (r *recorder) setRefuse(v bool) {
	r.mu.Lock()
	r.refuse = v
	r.mu.Unlock()
}

// knowledge loads the embedded content and its matcher.
func knowledge(t *testing.T) (*content.KB, *intents.Matcher) {
	t.Helper()
	kb, err := content.Load(content.Embedded(), content.Site{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := intents.FromSource(kb)
	if err != nil {
		t.Fatal(err)
	}
	return kb, m
}

// env is the whole bot around one Slack app: SQLite store, engine,
// dispatcher, a fake client channel and the fake Slack.
type env struct {
	t       *testing.T
	fake    *fakeSlack
	store   *sqlite.Store
	kb      *content.KB
	engine  *bot.Engine
	app     *Slack
	client  *recorder
	name    string // the client's display name ("Ana Pérez" when empty)
	extra   []bot.Channel
	events  *httptest.Server
	actions *httptest.Server
	ctx     context.Context
}

type envOpt func(*Config, *bot.Config)

func newEnv(t *testing.T, extra []bot.Channel, opts ...envOpt) *env {
	t.Helper()
	return newEnvFake(t, newFakeSlack(t), extra, opts...)
}

// newEnvFake builds the env around a given fake Slack.
func newEnvFake(t *testing.T, fake *fakeSlack, extra []bot.Channel, opts ...envOpt) *env {
	t.Helper()
	kb, m := knowledge(t)
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/bot.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, fake: fake, store: st, kb: kb, extra: extra,
		client: &recorder{name: "telegram", caps: bot.Capabilities{Buttons: true, MaxLen: 4096, Relayable: true}}}
	cfg := Config{BotToken: "xoxb-test", SigningSecret: testSecret, AgentsChannel: agentsChan,
		APIURL: e.fake.url(), Store: st, Threads: st, Logger: quiet()}
	ecfg := bot.Config{Store: st, Matcher: m, Knowledge: kb, Logger: quiet()}
	for _, o := range opts {
		o(&cfg, &ecfg)
	}
	e.app, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range extra {
		if c.Name() == e.client.name {
			e.client.name = "recorder" // a real adapter takes the name
		}
	}
	channels := append([]bot.Channel{e.app, e.client}, extra...)
	disp, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: channels, Desk: e.app,
		MaxAttempts: 2, Backoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Poll: 20 * time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ecfg.Desk, ecfg.Courier = e.app, disp
	ecfg.Channels = map[string]bot.Capabilities{}
	for _, c := range channels {
		ecfg.Channels[c.Name()] = c.Capabilities()
	}
	e.engine, err = bot.NewEngine(ecfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.ctx = ctx
	done := make(chan struct{})
	go func() { defer close(done); _ = disp.Run(ctx) }()
	e.events = httptest.NewServer(e.app.Events(e.engine))
	e.actions = httptest.NewServer(e.app.Interactions(e.engine))
	t.Cleanup(func() {
		e.events.Close()
		e.actions.Close()
		e.app.Close()
		cancel()
		<-done
	})
	return e
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// postEvent delivers a signed Events API request and returns the status.
func (e *env) postEvent(body []byte, hdr ...string) int {
	e.t.Helper()
	return e.post(e.events.URL, "application/json", body, sign(testSecret, time.Now(), body), hdr...)
}

// postAction delivers a signed interactivity request.
func (e *env) postAction(payload []byte) int {
	e.t.Helper()
	body := []byte("payload=" + url.QueryEscape(string(payload)))
	return e.post(e.actions.URL, "application/x-www-form-urlencoded", body, sign(testSecret, time.Now(), body))
}

func (e *env) post(target, ctype string, body []byte, h http.Header, hdr ...string) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", ctype)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// idle waits for the app's background work.
func (e *env) idle() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.app.work.idle(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// clientSays hands a client message to the engine as a client channel does.
func (e *env) clientSays(chat, text, payload string) {
	e.t.Helper()
	pid := fmt.Sprintf("%s-%d", chat, time.Now().UnixNano())
	name := e.name
	if name == "" {
		name = "Ana Pérez"
	}
	err := e.engine.Handle(context.Background(), bot.Message{Channel: e.client.name, ChatID: chat, ContactID: chat,
		DisplayName: name, Text: text, Payload: payload, Audience: bot.Client, PlatformID: pid, Time: time.Now()})
	if err != nil && !errors.Is(err, bot.ErrDuplicate) {
		e.t.Fatal(err)
	}
}

// conv loads a client conversation.
func (e *env) conv(channel, chat string) bot.Conversation {
	e.t.Helper()
	c, err := e.store.Conversation(context.Background(), channel, chat)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
