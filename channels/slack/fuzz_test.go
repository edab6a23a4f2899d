package slack

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
)

// fuzzEngine records what the Slack handlers pass to the engine.
type fuzzEngine struct {
	mu   sync.Mutex
	msgs []bot.Message
}

func (e *fuzzEngine) Handle(_ context.Context, m bot.Message) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.msgs = append(e.msgs, m)
	return nil
}
func (e *fuzzEngine) Take(context.Context, int64, string) error          { return nil }
func (e *fuzzEngine) Reply(context.Context, int64, string, string) error { return nil }
func (e *fuzzEngine) Note(context.Context, int64, string, string) error  { return nil }
func (e *fuzzEngine) Resolve(context.Context, int64, string) error       { return nil }

func (e *fuzzEngine) take() []bot.Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	m := e.msgs
	e.msgs = nil
	return m
}

// fuzzApp is a Slack app with the agent inbox on a SQLite store, talking to
// slacktest, built once per fuzzing process.
func fuzzApp(f *testing.F) *Slack {
	f.Helper()
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/auth.test", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, map[string]any{"ok": true, "user_id": botUser, "bot_id": "BBOT", "team_id": "T1", "user": "hexbot"})
		})
		c.Handle("/conversations.members", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, map[string]any{"ok": true, "members": []string{"UAGENT1"}, "response_metadata": map[string]string{"next_cursor": ""}})
		})
	})
	srv.Start()
	f.Cleanup(srv.Stop)
	st, err := sqlite.Open(context.Background(), f.TempDir()+"/bot.db")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	app, err := New(Config{BotToken: "xoxb-test", SigningSecret: testSecret, AgentsChannel: agentsChan,
		APIURL: srv.GetAPIURL(), Store: st, Threads: st, Logger: quiet(), JobTimeout: 2 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { app.Close() })
	return app
}

// checkSlack applies the invariants shared by both handlers.
func checkSlack(t *testing.T, code int, signed bool, got []bot.Message) {
	t.Helper()
	switch code {
	case http.StatusOK:
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		if len(got) != 0 {
			t.Fatalf("status %d but %d messages handled", code, len(got))
		}
	default:
		t.Fatalf("status %d, want 200 or a 4xx", code)
	}
	// An oversize body is refused before its signature can be checked.
	if !signed && code != http.StatusUnauthorized && code != http.StatusRequestEntityTooLarge {
		t.Fatalf("unsigned request answered %d, want 401 (or 413)", code)
	}
	for _, m := range got {
		if m.Channel != Name || m.Audience != bot.Staff || m.ChatID == "" || m.ContactID == "" || m.PlatformID == "" {
			t.Fatalf("incomplete staff message %+v", m)
		}
		if m.ContactID == botUser {
			t.Fatalf("the bot's own message was handed on: %+v", m)
		}
	}
}

func serveSigned(h http.Handler, ctype string, body []byte, signed bool) int {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if signed {
		req.Header = sign(testSecret, time.Now(), body)
	} else {
		req.Header = sign("not-the-secret", time.Now(), body)
	}
	req.Header.Set("Content-Type", ctype)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// FuzzEvents posts arbitrary Events API bodies, signed or not.
func FuzzEvents(f *testing.F) {
	app := fuzzApp(f)
	eng := &fuzzEngine{}
	h := app.Events(eng)
	f.Add(eventBody("Ev1", dmEvent("U1", "D1", "¿cómo restablezco la contraseña?", "1700000000.000100", "")), true)
	f.Add([]byte(`{"type":"url_verification","challenge":"abc"}`), true)
	f.Add([]byte(`{"type":"event_callback"}`), false)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		code := serveSigned(h, "application/json", body, signed)
		checkSlack(t, code, signed, eng.take())
	})
}

// FuzzInteractions posts arbitrary interactivity payloads (the JSON inside
// the payload form field), signed or not; raw selects sending the fuzz
// input as the whole form body instead.
func FuzzInteractions(f *testing.F) {
	app := fuzzApp(f)
	eng := &fuzzEngine{}
	h := app.Interactions(eng)
	f.Add(blockAction("U1", "D1", "1700000000.000100", "", "b", optionActionID+"0", "faq:login", "Login"), true, false)
	f.Add([]byte(`{"type":"block_actions","actions":[{"action_id":"take","value":"12"}]}`), true, false)
	f.Add([]byte("payload=%7B%7D"), false, true)
	f.Fuzz(func(t *testing.T, payload []byte, signed, raw bool) {
		body := payload
		if !raw {
			body = []byte("payload=" + url.QueryEscape(string(payload)))
		}
		code := serveSigned(h, "application/x-www-form-urlencoded", body, signed)
		checkSlack(t, code, signed, eng.take())
	})
}
