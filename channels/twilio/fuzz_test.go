package twilio

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

// FuzzWebhook posts arbitrary form bodies (and query strings) to the
// webhook, signed correctly or not. Invariants: no panic; only
// 200/400/403/413; nothing reaches the handler unsigned or from a 4xx; a
// handed message has its sid, a From address and a known channel.
func FuzzWebhook(f *testing.F) {
	tw, err := New(Config{
		AccountSID: testSID, AuthToken: testToken, SMSFrom: testSMSFrom, WhatsAppFrom: testWAFrom,
		PublicURL: testPublicURL, APIURL: "http://127.0.0.1:1", Store: NewMemoryStore(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(inbound("+34600111222", "No puedo iniciar sesión").Form().Encode(), "", true)
	f.Add(inbound("whatsapp:+33612345678", "mot de passe oublié").Form().Encode(), "a=1", true)
	f.Add("MessageSid=SM1&From=%2B1555", "", false)
	f.Fuzz(func(t *testing.T, body, query string, signed bool) {
		rec := &recorder{}
		target := "http://127.0.0.1:8080" + WebhookPath
		if query != "" {
			target += "?" + url.PathEscape(query)
		}
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if form, err := url.ParseQuery(body); err == nil && signed {
			u := tw.WebhookURL()
			if req.URL.RawQuery != "" {
				u += "?" + req.URL.RawQuery
			}
			req.Header.Set("X-Twilio-Signature", twiliofake.Signature(testToken, u, form))
		} else if signed {
			req.Header.Set("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl")
		}
		w := httptest.NewRecorder()
		tw.Webhook(rec).ServeHTTP(w, req)
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
		// An oversize body is refused before its signature can be checked.
		if !signed && w.Code != http.StatusForbidden && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("unsigned request answered %d, want 403 (or 413)", w.Code)
		}
		if len(got) > 1 {
			t.Fatalf("one request handed %d messages", len(got))
		}
		for _, m := range got {
			if m.PlatformID == "" || m.ChatID == "" || m.ContactID != m.ChatID {
				t.Fatalf("incomplete message %+v", m)
			}
			if m.Channel != NameSMS && m.Channel != NameWhatsApp {
				t.Fatalf("unknown channel %q", m.Channel)
			}
		}
	})
}
