package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
	"github.com/twilio/twilio-go/client"
)

func TestWebhookInbound(t *testing.T) {
	tests := []struct {
		name string
		in   twiliofake.Inbound
		want bot.Message // PlatformID, Audience and Time are checked apart
	}{
		{
			name: "sms spanish",
			in: func() twiliofake.Inbound {
				i := inbound("+5215512345678", "No puedo entrar, olvidé mi contraseña")
				i.FromCountry = "MX"
				return i
			}(),
			want: bot.Message{Channel: "sms", ChatID: "+5215512345678", ContactID: "+5215512345678", Text: "No puedo entrar, olvidé mi contraseña", Locale: "es-MX"},
		},
		{
			name: "whatsapp french with profile name",
			in: func() twiliofake.Inbound {
				i := inbound("whatsapp:+33612345678", "Je ne reçois pas le code")
				i.ProfileName = "Élodie"
				return i
			}(),
			want: bot.Message{Channel: "whatsapp", ChatID: "whatsapp:+33612345678", ContactID: "whatsapp:+33612345678", DisplayName: "Élodie", Text: "Je ne reçois pas le code", Locale: "fr-FR"},
		},
		{
			name: "sms english",
			in: func() twiliofake.Inbound {
				i := inbound("+447700900123", "I can't log in")
				i.FromCountry = "GB"
				return i
			}(),
			want: bot.Message{Channel: "sms", ChatID: "+447700900123", ContactID: "+447700900123", Text: "I can't log in", Locale: "en-GB"},
		},
		{
			name: "whatsapp numbered answer",
			in:   inbound("whatsapp:+34612345678", "2"),
			want: bot.Message{Channel: "whatsapp", ChatID: "whatsapp:+34612345678", ContactID: "whatsapp:+34612345678", Text: "2", Locale: "es-ES"},
		},
		{
			name: "whatsapp quick-reply button payload",
			in: func() twiliofake.Inbound {
				i := inbound("whatsapp:+34612345678", "Sí")
				i.ButtonPayload = "feedback:yes"
				return i
			}(),
			want: bot.Message{Channel: "whatsapp", ChatID: "whatsapp:+34612345678", ContactID: "whatsapp:+34612345678", Text: "Sí", Payload: "feedback:yes", Locale: "es-ES"},
		},
		{
			name: "whatsapp media only",
			in:   func() twiliofake.Inbound { i := inbound("whatsapp:+34612345678", ""); i.NumMedia = 1; return i }(),
			want: bot.Message{Channel: "whatsapp", ChatID: "whatsapp:+34612345678", ContactID: "whatsapp:+34612345678", Locale: "es-ES", Media: true},
		},
		{
			name: "sms media with caption is text",
			in:   func() twiliofake.Inbound { i := inbound("+34612345678", "mira el error"); i.NumMedia = 2; return i }(),
			want: bot.Message{Channel: "sms", ChatID: "+34612345678", ContactID: "+34612345678", Text: "mira el error", Locale: "es-ES"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := &recorder{}
			form := tt.in.Form()
			resp := post(t, e.tw.Webhook(rec), signed(t, form))
			if resp.Code != http.StatusOK {
				t.Fatalf("status %d: %s", resp.Code, resp.Body)
			}
			if ct := resp.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
				t.Errorf("Content-Type %q", ct)
			}
			if resp.Body.String() != EmptyTwiML {
				t.Errorf("body %q, want empty TwiML", resp.Body)
			}
			msgs := rec.messages()
			if len(msgs) != 1 {
				t.Fatalf("handler got %d messages", len(msgs))
			}
			got := msgs[0]
			if got.PlatformID != form.Get("MessageSid") || !strings.HasPrefix(got.PlatformID, "SM") {
				t.Errorf("PlatformID %q, want MessageSid %q", got.PlatformID, form.Get("MessageSid"))
			}
			if got.Audience != bot.Client {
				t.Errorf("Audience %q", got.Audience)
			}
			if !got.Time.Equal(e.clock.Now()) {
				t.Errorf("Time %v", got.Time)
			}
			got.PlatformID, got.Audience, got.Time = "", "", time.Time{}
			if got != tt.want {
				t.Errorf("message\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestWebhookRefusesUnsigned(t *testing.T) {
	form := inbound("+34612345678", "hola").Form()
	sig := twiliofake.Signature(testToken, testPublicURL+WebhookPath, form)
	tamper := url.Values{}
	for k, v := range form {
		tamper[k] = v
	}
	tamper.Set("Body", "hola!")

	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"missing signature", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, http.StatusForbidden},
		{"wrong token", func() *http.Request {
			r, _ := twiliofake.NewSignedRequest(context.Background(), "http://x"+WebhookPath, testPublicURL+WebhookPath, "otherToken", form)
			return r
		}, http.StatusForbidden},
		{"signed for another URL", func() *http.Request {
			r, _ := twiliofake.NewSignedRequest(context.Background(), "http://x"+WebhookPath, "https://evil.example.com"+WebhookPath, testToken, form)
			return r
		}, http.StatusForbidden},
		{"body changed after signing", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(tamper.Encode()))
			r.Header.Set("X-Twilio-Signature", sig)
			return r
		}, http.StatusForbidden},
		{"garbage signature", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(form.Encode()))
			r.Header.Set("X-Twilio-Signature", "AAAA")
			return r
		}, http.StatusForbidden},
		{"GET", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, WebhookPath+"?"+form.Encode(), nil)
			r.Header.Set("X-Twilio-Signature", sig)
			return r
		}, http.StatusMethodNotAllowed},
		{"oversized body", func() *http.Request {
			big := url.Values{}
			for k, v := range form {
				big[k] = v
			}
			big.Set("Body", strings.Repeat("a", MaxBodyBytes))
			r, _ := twiliofake.NewSignedRequest(context.Background(), "http://x"+WebhookPath, testPublicURL+WebhookPath, testToken, big)
			return r
		}, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := &recorder{}
			resp := post(t, e.tw.Webhook(rec), tt.req())
			if resp.Code != tt.want {
				t.Errorf("status %d, want %d", resp.Code, tt.want)
			}
			if n := len(rec.messages()); n != 0 {
				t.Errorf("handler called %d times", n)
			}
			if last, _ := e.store.LastInbound(context.Background(), NameSMS, "+34612345678"); !last.IsZero() {
				t.Errorf("state recorded for a refused request")
			}
		})
	}
}

// The signature covers the query string Twilio was configured with, and the
// SDK validator accepts what the fake signs.
func TestWebhookSignatureWithQuery(t *testing.T) {
	e := newEnv(t)
	rec := &recorder{}
	form := inbound("+34612345678", "hola").Form()
	req, err := twiliofake.NewSignedRequest(context.Background(), "http://127.0.0.1"+WebhookPath+"?tenant=hexfit",
		testPublicURL+WebhookPath+"?tenant=hexfit", testToken, form)
	if err != nil {
		t.Fatal(err)
	}
	if resp := post(t, e.tw.Webhook(rec), req); resp.Code != http.StatusOK {
		t.Fatalf("status %d", resp.Code)
	}
	params := map[string]string{}
	for k, v := range form {
		params[k] = v[0]
	}
	v := client.NewRequestValidator(testToken)
	if !v.Validate(testPublicURL+WebhookPath, params, twiliofake.Signature(testToken, testPublicURL+WebhookPath, form)) {
		t.Error("SDK validator rejects the fake's signature")
	}
}

func TestWebhookHandlerErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"ok", nil, http.StatusOK},
		{"duplicate is acknowledged", fmt.Errorf("engine: %w", bot.ErrDuplicate), http.StatusOK},
		{"failure asks for redelivery", errors.New("disk full"), http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := &recorder{err: tt.err}
			resp := post(t, e.tw.Webhook(rec), signed(t, inbound("whatsapp:+34612345678", "hola").Form()))
			if resp.Code != tt.want {
				t.Errorf("status %d, want %d", resp.Code, tt.want)
			}
		})
	}
}

// A replayed delivery reaches the handler again with the same PlatformID;
// the engine dedupes on (channel, PlatformID) and answers ErrDuplicate.
func TestWebhookReplay(t *testing.T) {
	e := newEnv(t)
	seen := map[string]bool{}
	rec := &recorder{}
	rec.on = func(m bot.Message) error {
		k := m.Channel + "/" + m.PlatformID
		if seen[k] {
			return bot.ErrDuplicate
		}
		seen[k] = true
		return nil
	}
	form := inbound("+34612345678", "hola").Form()
	h := e.tw.Webhook(rec)
	for i := range 2 {
		if resp := post(t, h, signed(t, form)); resp.Code != http.StatusOK {
			t.Fatalf("delivery %d: status %d", i, resp.Code)
		}
	}
	msgs := rec.messages()
	if len(msgs) != 2 || msgs[0].PlatformID != msgs[1].PlatformID || msgs[0].PlatformID == "" {
		t.Fatalf("got %d messages with ids %v", len(msgs), msgs)
	}
}

func TestWebhookIgnoresStatusCallbacksAndOffChannels(t *testing.T) {
	status := url.Values{
		"MessageSid": {"SM00000000000000000000000000000001"}, "MessageStatus": {"undelivered"},
		"ErrorCode": {"63016"}, "From": {"whatsapp:" + testWAFrom}, "To": {"whatsapp:+34612345678"},
		"AccountSid": {testSID},
	}
	e := newEnv(t)
	rec := &recorder{}
	if resp := post(t, e.tw.Webhook(rec), signed(t, status)); resp.Code != http.StatusOK {
		t.Errorf("status callback: %d", resp.Code)
	}
	smsOnly := newEnv(t, func(c *Config) { c.WhatsAppFrom = "" })
	if resp := post(t, smsOnly.tw.Webhook(rec), signed(t, inbound("whatsapp:+34612345678", "hola").Form())); resp.Code != http.StatusOK {
		t.Errorf("off channel: %d", resp.Code)
	}
	if n := len(rec.messages()); n != 0 {
		t.Errorf("handler called %d times", n)
	}
	if !strings.Contains(e.logs.String(), "63016") {
		t.Error("status callback error code not logged")
	}
}

// errStore fails every call.
type errStore struct{}

func (errStore) SetOptOut(context.Context, string, string, bool) error { return errors.New("db down") }
func (errStore) OptedOut(context.Context, string, string) (bool, error) {
	return false, errors.New("db down")
}
func (errStore) SetLastInbound(context.Context, string, string, time.Time) error {
	return errors.New("db down")
}
func (errStore) LastInbound(context.Context, string, string) (time.Time, error) {
	return time.Time{}, errors.New("db down")
}

func TestWebhookStoreFailure(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Store = errStore{} })
	for _, in := range []twiliofake.Inbound{inbound("whatsapp:+34612345678", "hola"), inbound("+34612345678", "STOP")} {
		rec := &recorder{}
		if resp := post(t, e.tw.Webhook(rec), signed(t, in.Form())); resp.Code != http.StatusInternalServerError {
			t.Errorf("%s: status %d, want 500", in.From[:3], resp.Code)
		}
		if len(rec.messages()) != 0 {
			t.Error("handler called although state could not be recorded")
		}
	}
}
