package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

func TestNewConfig(t *testing.T) {
	base := Config{AccountSID: testSID, AuthToken: testToken, SMSFrom: testSMSFrom, PublicURL: testPublicURL, Store: NewMemoryStore()}
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"sms only", func(*Config) {}, true},
		{"no sid", func(c *Config) { c.AccountSID = "" }, false},
		{"no token", func(c *Config) { c.AuthToken = "" }, false},
		{"no sender", func(c *Config) { c.SMSFrom = "" }, false},
		{"no store", func(c *Config) { c.Store = nil }, false},
		{"relative public URL", func(c *Config) { c.PublicURL = "bot.example.com" }, false},
		{"bad API URL", func(c *Config) { c.APIURL = "::" }, false},
		{"token the SDK refuses", func(c *Config) { c.AuthToken = "abc-123" }, false},
		{"SID the SDK refuses", func(c *Config) { c.AccountSID = "AC 1" }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.mod(&cfg)
			tw, err := New(cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Error("token in error")
			}
			if tt.ok {
				if tw.SMS() == nil || tw.WhatsApp() != nil || len(tw.Channels()) != 1 {
					t.Errorf("channels: sms=%v whatsapp=%v", tw.SMS(), tw.WhatsApp())
				}
				if tw.WebhookURL() != testPublicURL+WebhookPath {
					t.Errorf("WebhookURL %q", tw.WebhookURL())
				}
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	e := newEnv(t)
	sms, wa := e.tw.SMS(), e.tw.WhatsApp()
	if sms.Name() != "sms" || wa.Name() != "whatsapp" {
		t.Fatalf("names %q %q", sms.Name(), wa.Name())
	}
	if c := sms.Capabilities(); c.Buttons || !c.ShortForm || c.MaxLen != 1600 || c.Markdown {
		t.Errorf("sms caps %+v", c)
	}
	if c := wa.Capabilities(); c.Buttons || c.ShortForm || c.MaxLen != 4096 || !c.Markdown {
		t.Errorf("whatsapp caps %+v", c)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name     string
		whatsapp bool
		o        bot.Outbound
		wantTo   string
		wantFrom string
		wantBody string
	}{
		{
			name:     "sms spanish rewritten to GSM-7",
			o:        bot.Outbound{ID: 1, ChatID: "+34612345678", Reply: bot.Reply{Text: "Pulse «¿Olvidó su contraseña?» en la app…\n1. Sí\n2. No"}},
			wantTo:   "+34612345678",
			wantFrom: testSMSFrom,
			wantBody: "Pulse \"¿Olvido su contraseña?\" en la app...\n1. Si\n2. No",
		},
		{
			name:     "sms buttons become numbered options",
			o:        bot.Outbound{ID: 2, ChatID: "+447700900123", Reply: bot.Reply{Text: "Did this help?", Buttons: []bot.Button{{Label: "Yes", Payload: "y"}, {Label: "No", Payload: "n"}}}},
			wantTo:   "+447700900123",
			wantFrom: testSMSFrom,
			wantBody: "Did this help?\n\n1. Yes\n2. No",
		},
		{
			name:     "whatsapp markdown",
			whatsapp: true,
			o:        bot.Outbound{ID: 3, ChatID: "whatsapp:+33612345678", Reply: bot.Reply{Text: "**Mot de passe oublié**\nTouchez « Mot de passe oublié ? »\n1. Oui\n2. Non"}},
			wantTo:   "whatsapp:+33612345678",
			wantFrom: "whatsapp:" + testWAFrom,
			wantBody: "*Mot de passe oublié*\nTouchez « Mot de passe oublié ? »\n1. Oui\n2. Non",
		},
		{
			name:     "whatsapp chat without prefix",
			whatsapp: true,
			o:        bot.Outbound{ID: 4, ChatID: "+33612345678", Reply: bot.Reply{Text: "ok"}},
			wantTo:   "whatsapp:+33612345678",
			wantFrom: "whatsapp:" + testWAFrom,
			wantBody: "ok",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ch := e.tw.SMS()
			if tt.whatsapp {
				ch = e.tw.WhatsApp()
			}
			id, err := ch.Send(testCtx(t), tt.o)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := e.fake.Messages()
			if len(msgs) != 1 {
				t.Fatalf("fake got %d messages", len(msgs))
			}
			m := msgs[0]
			if id != m.Sid || !strings.HasPrefix(id, "SM") {
				t.Errorf("id %q, fake sid %q", id, m.Sid)
			}
			if m.To != tt.wantTo || m.From != tt.wantFrom || m.Body != tt.wantBody {
				t.Errorf("got To=%q From=%q Body=%q\nwant To=%q From=%q Body=%q", m.To, m.From, m.Body, tt.wantTo, tt.wantFrom, tt.wantBody)
			}
		})
	}
}

func TestSendMisrouted(t *testing.T) {
	e := newEnv(t)
	for _, o := range []bot.Outbound{{ID: 1, ChatID: ""}, {ID: 2, ChatID: "whatsapp:+34612345678", Reply: bot.Reply{Text: "x"}}, {ID: 3, ChatID: "+34612345678", Reply: bot.Reply{Text: " "}}} {
		if _, err := e.tw.SMS().Send(testCtx(t), o); !errors.Is(err, bot.ErrPermanent) {
			t.Errorf("outbox %d: err %v, want ErrPermanent", o.ID, err)
		}
	}
	if n := e.fake.Requests(); n != 0 {
		t.Errorf("%d requests reached Twilio", n)
	}
}

func TestSendLongTextSplit(t *testing.T) {
	e := newEnv(t)
	var paras []string
	for i := range 8 {
		paras = append(paras, strings.TrimSpace(strings.Repeat(string(rune('a'+i))+"xxxx ", 100))) // 600 characters
	}
	text := strings.Join(paras, "\n\n")
	id, err := e.tw.WhatsApp().Send(testCtx(t), bot.Outbound{ID: 7, ChatID: "whatsapp:+34612345678", Reply: bot.Reply{Text: text}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := e.fake.Messages()
	if len(msgs) != 4 {
		t.Fatalf("got %d messages, want 4", len(msgs))
	}
	var sids, bodies []string
	for _, m := range msgs {
		if n := len([]rune(m.Body)); n > 1600 {
			t.Errorf("part of %d characters", n)
		}
		sids = append(sids, m.Sid)
		bodies = append(bodies, m.Body)
	}
	if id != strings.Join(sids, ",") {
		t.Errorf("id %q, want %q", id, strings.Join(sids, ","))
	}
	if strings.Join(bodies, "\n\n") != text {
		t.Error("parts do not reassemble the text")
	}
}

// A split message that fails half-way resumes where it stopped: the retry
// does not repeat the parts Twilio already accepted.
func TestSendSplitResumes(t *testing.T) {
	e := newEnv(t)
	text := strings.Repeat("a ", 700) + "\n\n" + strings.Repeat("b ", 700) + "\n\n" + strings.Repeat("c ", 700)
	o := bot.Outbound{ID: 9, ChatID: "+34612345678", Reply: bot.Reply{Text: text}}
	ctx := testCtx(t)

	// The first part goes through, then Twilio is down for the second.
	sms := e.tw.SMS()
	calls := 0
	orig := e.tw.hc.Transport
	e.tw.hc.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		if calls == 2 {
			return &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"1"}}, Body: http.NoBody, Request: r}, nil
		}
		return orig.RoundTrip(r)
	})
	_, err := sms.Send(ctx, o)
	var ra *bot.RetryAfterError
	if !errors.As(err, &ra) || ra.After != time.Second {
		t.Fatalf("first attempt: err %v, want RetryAfterError 1s", err)
	}
	if n := len(e.fake.Messages()); n != 1 {
		t.Fatalf("after failure: %d parts delivered, want 1", n)
	}
	if _, err := sms.Send(ctx, o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	msgs := e.fake.Messages()
	if len(msgs) != 3 {
		t.Fatalf("after retry: %d parts delivered, want 3 (no repeats)", len(msgs))
	}
	for i, want := range []string{"a", "b", "c"} {
		if !strings.HasPrefix(msgs[i].Body, want) {
			t.Errorf("part %d starts %q", i, msgs[i].Body[:1])
		}
	}
	if len(e.tw.sent) != 0 {
		t.Error("progress not cleared after delivery")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		fail      twiliofake.Failure
		whatsapp  bool
		permanent bool
		retry     bool
		after     time.Duration
	}{
		{"429 retry-after seconds", twiliofake.Failure{Status: 429, Code: 20429, RetryAfter: "7"}, false, false, true, 7 * time.Second},
		{"20429 without header", twiliofake.Failure{Status: 429, Code: 20429}, false, false, true, 0},
		{"63018 whatsapp rate", twiliofake.Failure{Status: 429, Code: 63018, RetryAfter: "2"}, true, false, true, 2 * time.Second},
		{"500 json", twiliofake.Failure{Status: 500, Code: 20500}, false, false, true, 0},
		{"503 html from a proxy", twiliofake.Failure{Status: 503, RetryAfter: "3"}, false, false, true, 3 * time.Second},
		{"retry-after http date", twiliofake.Failure{Status: 503, Code: 20503, RetryAfter: time.Date(2025, 3, 1, 12, 0, 30, 0, time.UTC).Format(http.TimeFormat)}, false, false, true, 30 * time.Second},
		{"21211 invalid number", twiliofake.Failure{Status: 400, Code: 21211}, false, true, false, 0},
		{"21610 unsubscribed", twiliofake.Failure{Status: 400, Code: 21610}, false, true, false, 0},
		{"63016 outside window", twiliofake.Failure{Status: 400, Code: 63016}, true, true, false, 0},
		{"other 400 is retried with backoff", twiliofake.Failure{Status: 400, Code: 21617}, false, false, false, 0},
		{"401 auth", twiliofake.Failure{Status: 401, Code: 20003}, false, false, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ch, to := e.tw.SMS(), "+34612345678"
			if tt.whatsapp {
				ch, to = e.tw.WhatsApp(), "whatsapp:+34612345678"
			}
			e.fake.FailNext(1, tt.fail)
			_, err := ch.Send(testCtx(t), bot.Outbound{ID: 42, ChatID: to, Reply: bot.Reply{Text: "hola"}})
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, bot.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			var ra *bot.RetryAfterError
			if got := errors.As(err, &ra); got != tt.retry {
				t.Errorf("RetryAfterError = %v, want %v (%v)", got, tt.retry, err)
			} else if got && ra.After != tt.after {
				t.Errorf("After = %v, want %v", ra.After, tt.after)
			}
			var api *APIError
			if !errors.As(err, &api) || api.Status != tt.fail.Status || api.Code != tt.fail.Code {
				t.Errorf("APIError %+v, want status %d code %d", api, tt.fail.Status, tt.fail.Code)
			}
			msg := err.Error()
			for _, secret := range []string{testToken, "612345678", testSMSFrom, "hola"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q leaks %q", msg, secret)
				}
			}
			if !strings.Contains(msg, "outbox 42") {
				t.Errorf("error %q does not name the outbox row", msg)
			}
			if tt.fail.Code == 63016 && !strings.Contains(msg, "24-hour window") {
				t.Errorf("63016 error %q does not say why", msg)
			}
			// The dispatcher's retry then goes through, exactly once.
			if !tt.permanent {
				if _, err := ch.Send(testCtx(t), bot.Outbound{ID: 42, ChatID: to, Reply: bot.Reply{Text: "hola"}}); err != nil {
					t.Fatalf("retry: %v", err)
				}
				if n := len(e.fake.Messages()); n != 1 {
					t.Errorf("delivered %d times, want 1", n)
				}
			}
		})
	}
}

func TestSendTransportFailures(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.tw.SMS().Send(ctx, bot.Outbound{ID: 1, ChatID: "+34612345678", Reply: bot.Reply{Text: "hola"}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, bot.ErrPermanent) {
		t.Errorf("cancelled: %v", err)
	}
	e.fake.Close()
	_, err = e.tw.SMS().Send(testCtx(t), bot.Outbound{ID: 2, ChatID: "+34612345678", Reply: bot.Reply{Text: "hola"}})
	if err == nil || errors.Is(err, bot.ErrPermanent) || strings.Contains(err.Error(), testSID) {
		t.Errorf("server down: %v", err)
	}
}

// APIURL may carry a path prefix (a proxy in front of Twilio).
func TestSendThroughPathPrefix(t *testing.T) {
	fake := twiliofake.New(testSID, testToken)
	t.Cleanup(fake.Close)
	proxy := httptest.NewServer(http.StripPrefix("/twilio", fake.Config.Handler))
	t.Cleanup(proxy.Close)
	e := newEnv(t, func(c *Config) { c.APIURL = proxy.URL + "/twilio/"; c.HTTPClient = nil })
	if _, err := e.tw.SMS().Send(testCtx(t), bot.Outbound{ID: 1, ChatID: "+34612345678", Reply: bot.Reply{Text: "hola"}}); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.Messages()); n != 1 {
		t.Errorf("fake behind the proxy got %d messages", n)
	}
}

func TestWhatsAppWindow(t *testing.T) {
	tests := []struct {
		name   string
		since  time.Duration // since the last inbound; -1: never wrote
		kind   string
		wantOK bool
	}{
		{"agent reply within window", 23 * time.Hour, "agent", true},
		{"csat just inside", 24*time.Hour - time.Second, "csat", true},
		{"agent reply outside window", 24 * time.Hour, "agent", false},
		{"csat outside window", 30 * time.Hour, "csat", false},
		{"notice outside window", 48 * time.Hour, "notice", false},
		{"no record: Twilio decides", -1, "agent", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			const chat = "whatsapp:+34612345678"
			if tt.since >= 0 {
				resp := post(t, e.tw.Webhook(&recorder{}), signed(t, inbound(chat, "hola").Form()))
				if resp.Code != http.StatusOK {
					t.Fatalf("inbound: %d", resp.Code)
				}
				e.clock.Add(tt.since)
			}
			_, err := e.tw.WhatsApp().Send(testCtx(t), bot.Outbound{ID: 5, ChatID: chat, Kind: tt.kind, Reply: bot.Reply{Text: "Hola, soy Ana"}})
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				if len(e.fake.Messages()) != 1 {
					t.Error("not delivered")
				}
				return
			}
			if !errors.Is(err, bot.ErrPermanent) || !strings.Contains(err.Error(), "outside the 24-hour window") {
				t.Fatalf("err %v, want permanent window error", err)
			}
			if e.fake.Requests() != 0 {
				t.Error("request reached Twilio")
			}
		})
	}
}

func TestSMSOptOut(t *testing.T) {
	const chat = "+34612345678"
	steps := []struct {
		body, optOutType string
		wantHandled      bool // reached the handler
		wantOptedOut     bool
	}{
		{"Hola", "", true, false},
		{"yes", "", true, false}, // not opted out: an ordinary answer
		{" Stop ", "", false, true},
		{"hola?", "", true, true}, // still opted out: the engine sees it, Send refuses
		{"START", "", false, false},
		{"cancel.", "", false, true},
		{"Yes", "", false, false},
		{"ARRET", "STOP", false, true}, // Twilio Advanced Opt-Out keyword
		{"UNSTOP", "", false, false},
	}
	e := newEnv(t)
	rec := &recorder{}
	h := e.tw.Webhook(rec)
	handled := 0
	for i, s := range steps {
		in := inbound(chat, s.body)
		in.OptOutType = s.optOutType
		if resp := post(t, h, signed(t, in.Form())); resp.Code != http.StatusOK {
			t.Fatalf("step %d %q: status %d", i, s.body, resp.Code)
		}
		if s.wantHandled {
			handled++
		}
		if got := len(rec.messages()); got != handled {
			t.Fatalf("step %d %q: handler saw %d messages, want %d", i, s.body, got, handled)
		}
		out, _ := e.store.OptedOut(context.Background(), NameSMS, chat)
		if out != s.wantOptedOut {
			t.Fatalf("step %d %q: opted out = %v, want %v", i, s.body, out, s.wantOptedOut)
		}
		before := len(e.fake.Messages())
		_, err := e.tw.SMS().Send(testCtx(t), bot.Outbound{ID: int64(i + 1), ChatID: chat, Reply: bot.Reply{Text: "respuesta"}})
		if s.wantOptedOut {
			if !errors.Is(err, bot.ErrPermanent) || len(e.fake.Messages()) != before {
				t.Fatalf("step %d: sent to an opted-out contact (err %v)", i, err)
			}
		} else if err != nil {
			t.Fatalf("step %d: Send: %v", i, err)
		}
	}
	// WhatsApp has no keyword opt-out: "stop" is ordinary text there.
	if resp := post(t, h, signed(t, inbound("whatsapp:"+chat, "STOP").Form())); resp.Code != http.StatusOK || len(rec.messages()) != handled+1 {
		t.Errorf("whatsapp STOP not passed on")
	}
}

// Neither the auth token, nor phone numbers, nor message text appear in the
// logs, whatever happens.
func TestLogsCarryNoSecrets(t *testing.T) {
	e := newEnv(t)
	const chat = "+34699887766"
	rec := &recorder{err: errors.New("engine down")}
	h := e.tw.Webhook(rec)
	post(t, h, signed(t, inbound(chat, "mi contraseña secreta").Form()))
	post(t, h, signed(t, inbound(chat, "STOP").Form()))
	post(t, h, signed(t, inbound("whatsapp:"+chat, "mi contraseña secreta").Form()))
	bad := inbound(chat, "mi contraseña secreta").Form()
	req, _ := twiliofake.NewSignedRequest(context.Background(), "http://x"+WebhookPath, testPublicURL+WebhookPath, "wrong", bad)
	post(t, h, req)
	e.fake.FailNext(1, twiliofake.Failure{Status: 400, Code: 21211})
	_, _ = e.tw.WhatsApp().Send(testCtx(t), bot.Outbound{ID: 1, ChatID: "whatsapp:" + chat, Reply: bot.Reply{Text: "mi contraseña secreta"}})
	_, _ = e.tw.WhatsApp().Send(testCtx(t), bot.Outbound{ID: 2, ChatID: "whatsapp:" + chat, Reply: bot.Reply{Text: "mi contraseña secreta"}})
	logs := e.logs.String()
	if !strings.Contains(logs, "twilio message sent") || !strings.Contains(logs, "opted out") {
		t.Fatalf("expected log lines missing:\n%s", logs)
	}
	for _, secret := range []string{testToken, "699887766", "contraseña", "secreta"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}
