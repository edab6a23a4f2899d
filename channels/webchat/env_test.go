package webchat_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
	"github.com/hexfit/supportbot/channels/webchat"
	"github.com/hexfit/supportbot/channels/webchat/dashboard"
	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

const (
	dashToken = "test-dashboard-token-0123456789"
	secret    = "0123456789abcdef0123456789abcdef"
)

// env is the whole bot behind one HTTP server wired as `supportbot serve`
// wires it: SQLite store, engine, dispatcher, the web chat and dashboard.
type env struct {
	t      *testing.T
	store  *sqlite.Store
	kb     *content.KB
	engine *bot.Engine
	ch     *webchat.Channel
	srv    *httptest.Server
	reload func(context.Context) error
	mu     sync.Mutex
}

type envOpt func(*webchat.Config)

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	kb, m, err := knowledge()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/bot.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := webchat.Config{Store: st, Secret: []byte(secret), Logger: quiet(), Heartbeat: time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	ch, err := webchat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disp, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: []bot.Channel{ch}, Poll: 20 * time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: kb, Logger: quiet(), Courier: disp,
		Channels: map[string]bot.Capabilities{webchat.Name: ch.Capabilities()}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, kb: kb, engine: eng, ch: ch}
	dash, err := dashboard.New(dashboard.Config{Store: st, Token: dashToken, Secret: []byte(secret + "dash"), Logger: quiet(),
		Reload: func(ctx context.Context) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.reload == nil {
				return nil
			}
			return e.reload(ctx)
		}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webchat/", ch.Handler(eng))
	mux.Handle("GET /{$}", ch.Demo())
	mux.Handle("/dashboard/", dash.Handler(eng))
	mux.Handle("/dashboard", dash.Handler(eng))
	e.srv = httptest.NewUnstartedServer(mux)
	e.srv.Config.RegisterOnShutdown(ch.Close)
	e.srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = disp.Run(ctx) }()
	t.Cleanup(func() {
		ch.Close()
		e.srv.Close()
		cancel()
		<-done
	})
	return e
}

// knowledge loads the content and trains the matcher once for all tests:
// both are immutable.
func knowledge() (*content.KB, *intents.Matcher, error) {
	k, err := loadKnowledge()
	return k.kb, k.m, err
}

type kbm struct {
	kb *content.KB
	m  *intents.Matcher
}

var loadKnowledge = sync.OnceValues(func() (kbm, error) {
	kb, err := content.Load(content.Embedded(), content.Site{})
	if err != nil {
		return kbm{}, err
	}
	m, err := intents.FromSource(kb)
	return kbm{kb, m}, err
})

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// creds is a visitor id and token from the session endpoint.
type creds struct {
	Visitor string `json:"visitor"`
	Token   string `json:"token"`
}

func (e *env) session(t *testing.T) creds {
	t.Helper()
	var c creds
	if code := e.postJSON(t, "/webchat/session", map[string]string{}, &c); code != http.StatusOK {
		t.Fatalf("session: status %d", code)
	}
	return c
}

// postJSON posts v and decodes the answer into out (when not nil).
func (e *env) postJSON(t *testing.T, path string, v any, out any, hdr ...string) int {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// say sends a message as the visitor and returns the status.
func (e *env) say(t *testing.T, c creds, id, text, payload string) int {
	t.Helper()
	return e.postJSON(t, "/webchat/messages", map[string]string{"visitor": c.Visitor, "token": c.Token, "id": id,
		"text": text, "payload": payload, "locale": "es-ES"}, nil)
}

// event is one SSE entry as the widget gets it.
type event struct {
	ID      int64        `json:"id"`
	Kind    string       `json:"kind"`
	Author  string       `json:"author"`
	Text    string       `json:"text"`
	Buttons []bot.Button `json:"buttons"`
}

// stream is an open SSE connection whose entries are collected.
type stream struct {
	mu     sync.Mutex
	events []event
	ids    []string
	cancel func()
	done   chan struct{}
}

// open connects to the event stream; status is the response code.
func (e *env) open(t *testing.T, c creds, query string, hdr ...string) (*stream, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/webchat/events?v="+c.Visitor+"&t="+c.Token+query, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &stream{cancel: cancel, done: make(chan struct{})}
	t.Cleanup(s.close)
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		close(s.done)
		return s, resp.StatusCode
	}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var id string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				var ev event
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err == nil {
					s.mu.Lock()
					s.events = append(s.events, ev)
					s.ids = append(s.ids, id)
					s.mu.Unlock()
				}
			}
		}
	}()
	return s, resp.StatusCode
}

func (s *stream) close() {
	s.cancel()
	<-s.done
}

func (s *stream) all() []event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]event(nil), s.events...)
}

// wait returns the first entry satisfying pred, failing after a while.
func (s *stream) wait(t *testing.T, what string, pred func(event) bool) event {
	t.Helper()
	var got event
	waitFor(t, what, func() bool {
		for _, ev := range s.all() {
			if pred(ev) {
				got = ev
				return true
			}
		}
		return false
	})
	return got
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// conv loads the visitor's conversation.
func (e *env) conv(t *testing.T, visitor string) bot.Conversation {
	t.Helper()
	c, err := e.store.Conversation(context.Background(), webchat.Name, visitor)
	if err != nil && !errors.Is(err, bot.ErrNotFound) {
		t.Fatal(err)
	}
	return c
}
