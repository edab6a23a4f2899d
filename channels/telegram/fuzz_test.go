package telegram

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
)

// FuzzWebhook drives arbitrary update bodies through WebhookHandler, with
// the right secret or not. Invariants: no panic; only 200/400/403/413;
// nothing reaches the handler without the secret or from a 4xx; every
// handed message is a complete private-chat message or a button press.
func FuzzWebhook(f *testing.F) {
	const secret = "s3cret_hook-value"
	fake := telegramfake.New(testToken)
	f.Cleanup(fake.Close)
	ch, err := New(Config{
		Token: testToken, APIURL: fake.URL, WebhookSecret: secret,
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"update_id":1,"message":{"message_id":1,"date":1700000000,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"Ana","language_code":"es"},"text":"no puedo entrar"}}`), true)
	f.Add([]byte(`{"update_id":2,"callback_query":{"id":"9","from":{"id":5,"first_name":"A"},"message":{"message_id":3,"date":1,"chat":{"id":5,"type":"private"}},"data":"fb:1:yes"}}`), true)
	f.Add([]byte(`{"update_id":1,"message":{"text":"x"}}`), false)
	f.Fuzz(func(t *testing.T, body []byte, withSecret bool) {
		rec := newRecorder()
		req := httptest.NewRequest(http.MethodPost, "/webhooks/telegram", bytes.NewReader(body))
		if withSecret {
			req.Header.Set(SecretHeader, secret)
		} else {
			req.Header.Set(SecretHeader, "wrong")
		}
		w := httptest.NewRecorder()
		ch.WebhookHandler(rec).ServeHTTP(w, req)
		got := rec.messages()
		switch w.Code {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge:
			if len(got) != 0 {
				t.Fatalf("status %d but %d messages handled", w.Code, len(got))
			}
		default:
			t.Fatalf("status %d, want 200 or a 4xx", w.Code)
		}
		if !withSecret && w.Code != http.StatusForbidden {
			t.Fatalf("wrong secret answered %d, want 403", w.Code)
		}
		if len(got) > 1 {
			t.Fatalf("one update handed %d messages", len(got))
		}
		for _, m := range got {
			if m.Channel != Name || m.ChatID == "" || m.ContactID == "" || m.PlatformID == "" {
				t.Fatalf("incomplete message %+v", m)
			}
			if m.Text == "" && m.Payload == "" && !m.Media {
				t.Fatalf("empty message handed on: %+v", m)
			}
		}
	})
}
