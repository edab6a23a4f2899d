package telegram

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
)

// webhookEnv registers an httptest server running WebhookHandler with the fake.
func webhookEnv(t *testing.T, h bot.Handler, mod func(*Config)) (env, *httptest.Server) {
	t.Helper()
	e := newEnv(t, mod)
	srv := httptest.NewServer(e.ch.WebhookHandler(h))
	t.Cleanup(srv.Close)
	return e, srv
}

func TestSetWebhookRegistersSecret(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.ch.SetWebhook(testCtx(t), "https://bot.example.com/webhooks/telegram"); err != nil {
		t.Fatal(err)
	}
	url, secret := e.fake.Webhook()
	if url != "https://bot.example.com/webhooks/telegram" || secret != "s3cret_hook-value" {
		t.Errorf("webhook = %q, %q", url, secret)
	}
	noSecret := newEnv(t, func(c *Config) { c.WebhookSecret = "" })
	if err := noSecret.ch.SetWebhook(testCtx(t), "https://x.example/"); err == nil {
		t.Error("SetWebhook without a secret succeeded")
	}
}

func TestWebhookDelivery(t *testing.T) {
	h := newRecorder()
	e, srv := webhookEnv(t, h, nil)
	if err := e.ch.SetWebhook(testCtx(t), srv.URL); err != nil {
		t.Fatal(err)
	}
	user := telegramfake.User{ID: 81, FirstName: "Claire", LanguageCode: "fr"}
	u := telegramfake.Update{UpdateID: 5001, Message: e.fake.NewMessage(81, user, "Je n'ai pas reçu le code")}
	for i := 0; i < 2; i++ { // Telegram may deliver the same update twice
		code, err := e.fake.Deliver(testCtx(t), srv.Client(), u)
		if err != nil || code != http.StatusOK {
			t.Fatalf("delivery %d: %d, %v", i, code, err)
		}
	}
	got := h.messages()
	if len(got) != 2 || got[0].PlatformID != "5001" || got[1].PlatformID != "5001" {
		t.Fatalf("handled %+v; want the replay with the same PlatformID (the engine dedupes)", got)
	}
	if got[0].Text != "Je n'ai pas reçu le code" || got[0].Locale != "fr" || got[0].ChatID != "81" {
		t.Errorf("message = %+v", got[0])
	}

	_, qid := e.fake.PushCallback(81, user, "fb:no") // registers the query id
	cb := telegramfake.Update{UpdateID: 5002, CallbackQuery: &telegramfake.CallbackQuery{ID: qid, From: user,
		Message: e.fake.NewMessage(81, user, "…"), Data: "fb:no"}}
	if code, err := e.fake.Deliver(testCtx(t), srv.Client(), cb); err != nil || code != http.StatusOK {
		t.Fatalf("callback delivery: %d, %v", code, err)
	}
	if m := h.messages()[2]; m.Payload != "fb:no" || m.PlatformID != "cb:"+qid {
		t.Errorf("callback message = %+v", m)
	}
	if a := e.fake.Answered(); len(a) != 1 || a[0] != qid {
		t.Errorf("answered = %v", a)
	}
}

func TestWebhookRefusals(t *testing.T) {
	valid := `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"from":{"id":1,"first_name":"a"},"text":"hola"}}`
	tests := []struct {
		name     string
		mod      func(*Config)
		method   string
		secret   string
		body     string
		errs     []error
		want     int
		wantCall bool
	}{
		{"ok", nil, "POST", "s3cret_hook-value", valid, nil, 200, true},
		{"missing secret", nil, "POST", "", valid, nil, 403, false},
		{"forged secret", nil, "POST", "s3cret_hook-valuX", valid, nil, 403, false},
		{"secret prefix", nil, "POST", "s3cret", valid, nil, 403, false},
		{"no secret configured", func(c *Config) { c.WebhookSecret = "" }, "POST", "", valid, nil, 403, false},
		{"oversized body", nil, "POST", "s3cret_hook-value", `{"update_id":1,"x":"` + strings.Repeat("a", 1<<20) + `"}`, nil, 413, false},
		{"just over the cap", nil, "POST", "s3cret_hook-value", `{"update_id":1,"x":"` + strings.Repeat("a", maxBody-20) + `"}`, nil, 413, false},
		{"largest real update", nil, "POST", "s3cret_hook-value", largestUpdate(), nil, 200, true},
		{"malformed json", nil, "POST", "s3cret_hook-value", `{"update_id":`, nil, 400, false},
		{"wrong method", nil, "GET", "s3cret_hook-value", "", nil, 405, false},
		{"handler fails: redeliver", nil, "POST", "s3cret_hook-value", valid, []error{errors.New("disk full")}, 500, true},
		{"duplicate: ack", nil, "POST", "s3cret_hook-value", valid, []error{bot.ErrDuplicate}, 200, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newRecorder(tc.errs...)
			_, srv := webhookEnv(t, h, tc.mod)
			req, err := http.NewRequestWithContext(testCtx(t), tc.method, srv.URL, bytes.NewBufferString(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.secret != "" {
				req.Header.Set(SecretHeader, tc.secret)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if called := len(h.messages()) > 0; called != tc.wantCall {
				t.Errorf("handler called = %v, want %v", called, tc.wantCall)
			}
		})
	}
}

// largestUpdate is about the biggest update Telegram sends: a reply to a
// message, both 4,096 UTF-16 units of emoji \u-escaped in the JSON, each
// with 100 entities.
func largestUpdate() string {
	text := strings.Repeat(`\ud83d\ude00`, MaxTextLen/2)
	var ents []string
	for i := range 100 {
		ents = append(ents, fmt.Sprintf(`{"type":"text_link","offset":%d,"length":2,"url":"https://example.com/a/rather/long/path/%d"}`, 2*i, i))
	}
	msg := func(id int, extra string) string {
		return fmt.Sprintf(`{"message_id":%d,"date":1,"chat":{"id":1,"type":"private","first_name":"Ana"},`+
			`"from":{"id":1,"is_bot":false,"first_name":"Ana","language_code":"es"},"text":"%s","entities":[%s]%s}`,
			id, text, strings.Join(ents, ","), extra)
	}
	return `{"update_id":1,"message":` + msg(2, `,"reply_to_message":`+msg(1, "")) + `}`
}
