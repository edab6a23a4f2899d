package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/discord/discordfake"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
	"github.com/hexfit/supportbot/content"
)

const (
	tgToken    = "123456:test-token"
	dcToken    = "discord-test-token"
	twSID      = "AC00000000000000000000000000000001"
	twToken    = "0123456789abcdef0123456789abcdef"
	twSMSFrom  = "+15550001111"
	waFrom     = "whatsapp:+15550002222"
	e2eTimeout = 20 * time.Second
)

// platforms is one fake of every client platform plus a running serve.
type platforms struct {
	tg   *telegramfake.Server
	dc   *discordfake.Server
	tw   *twiliofake.Server
	addr string
	kb   *content.KB
	logs *syncBuffer // serve's output
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `supportbot serve` in-process against the fakes; extra
// holds more KEY=VALUE variables.
func startServe(t *testing.T, extra ...string) *platforms {
	t.Helper()
	p := &platforms{tg: telegramfake.New(tgToken), dc: discordfake.New(dcToken), tw: twiliofake.New(twSID, twToken), addr: freeAddr(t)}
	t.Cleanup(p.tg.Close)
	t.Cleanup(p.dc.Close)
	t.Cleanup(p.tw.Close)
	kb, err := content.Load(content.Embedded(), content.Site{})
	if err != nil {
		t.Fatal(err)
	}
	p.kb = kb
	vars := map[string]string{
		"SUPPORTBOT_DATA_DIR":             t.TempDir(),
		"SUPPORTBOT_PUBLIC_URL":           "http://" + p.addr,
		"SUPPORTBOT_TELEGRAM_TOKEN":       tgToken,
		"SUPPORTBOT_TELEGRAM_API_URL":     p.tg.URL,
		"SUPPORTBOT_TWILIO_ACCOUNT_SID":   twSID,
		"SUPPORTBOT_TWILIO_AUTH_TOKEN":    twToken,
		"SUPPORTBOT_TWILIO_SMS_FROM":      twSMSFrom,
		"SUPPORTBOT_TWILIO_WHATSAPP_FROM": waFrom,
		"SUPPORTBOT_TWILIO_API_URL":       p.tw.URL,
		"SUPPORTBOT_DISCORD_TOKEN":        dcToken,
		"SUPPORTBOT_DISCORD_API_URL":      p.dc.URL,
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	p.logs = logs
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", p.addr}, env{stdin: strings.NewReader(""), stdout: logs, stderr: logs,
			getenv: func(k string) string { return vars[k] }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d:\n%s", code, logs.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop within 15 s")
		}
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
		for _, secret := range []string{tgToken, dcToken, twToken, "+34600111222", "+33600111222", "+1555"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("logs leak %q", secret)
			}
		}
	})
	deadline := time.Now().Add(e2eTimeout)
	for {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	return ctx
}

// head is the first line of a text, for comparing rendered answers.
func head(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if r := []rune(line); len(r) > 40 {
		line = string(r[:40])
	}
	return line
}

var e2eCases = []struct {
	lang bot.Lang
	text string
}{
	{bot.Lang("es"), "hola, olvidé mi contraseña y no puedo entrar a la app"},
	{bot.Lang("fr"), "bonjour, j'ai oublié mon mot de passe, je ne peux plus me connecter"},
	{bot.Lang("en"), "hi, I forgot my password and can't get into the app"},
}

func TestServeTelegramButtons(t *testing.T) {
	p := startServe(t)
	for i, tc := range e2eCases {
		t.Run(string(tc.lang), func(t *testing.T) {
			ctx := waitCtx(t)
			chat := int64(9000 + i)
			user := telegramfake.User{ID: chat, FirstName: "Ana", LanguageCode: string(tc.lang)}
			before := len(p.tg.Sent())
			p.tg.PushText(chat, user, tc.text)
			sent, err := p.tg.WaitSent(ctx, before+1)
			if err != nil {
				t.Fatal(err)
			}
			got := sent[before]
			ans, _ := p.kb.Answer(bot.Intent("forgot_password"), tc.lang, bot.Client)
			if got.ChatID != chat || !strings.Contains(got.Text, head(ans.Full)) {
				t.Fatalf("want the %s forgot-password answer in chat %d, got chat %d:\n%s", tc.lang, chat, got.ChatID, got.Text)
			}
			var no string
			for _, b := range got.Buttons() {
				if b.Text == p.kb.Text(tc.lang, "no", nil) {
					no = b.CallbackData
				}
			}
			if no == "" {
				t.Fatalf("no %q button in %+v", p.kb.Text(tc.lang, "no", nil), got.Buttons())
			}
			p.tg.PushCallback(chat, user, no)
			sent, err = p.tg.WaitSent(ctx, before+2)
			if err != nil {
				t.Fatal(err)
			}
			if next := sent[before+1]; next.ChatID != chat || next.Text == got.Text || len(next.Buttons()) == 0 {
				t.Fatalf("after No: want a next step with buttons, got %+v", next)
			}
			if _, err := p.tg.WaitAnswered(ctx, i+1); err != nil {
				t.Fatalf("callback query not answered: %v", err)
			}
		})
	}
}

func TestServeTwilioNumberedOptions(t *testing.T) {
	p := startServe(t)
	post := func(t *testing.T, in twiliofake.Inbound) {
		t.Helper()
		url := "http://" + p.addr + twilio.WebhookPath
		req, err := twiliofake.NewSignedRequest(waitCtx(t), url, url, twToken, in.Form())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook status %d", resp.StatusCode)
		}
	}
	n := 0
	for i, tc := range e2eCases {
		for _, ch := range []string{"sms", "whatsapp"} {
			t.Run(ch+"/"+string(tc.lang), func(t *testing.T) {
				ctx := waitCtx(t)
				from := fmt.Sprintf("+3460011122%d", i)
				if ch == "whatsapp" {
					from = "whatsapp:" + from
				}
				post(t, twiliofake.Inbound{AccountSid: twSID, MessageSid: fmt.Sprintf("SM%s%d", ch, i), From: from, To: twSMSFrom, Body: tc.text})
				msgs, err := p.tw.WaitMessages(ctx, n+1)
				if err != nil {
					t.Fatal(err)
				}
				got := msgs[n]
				ans, _ := p.kb.Answer(bot.Intent("forgot_password"), tc.lang, bot.Client)
				want := ans.Full
				if ch == "sms" {
					want = twilio.ToGSM(ans.Short)
				}
				if got.To != from || !strings.Contains(got.Body, head(want)) || !strings.Contains(got.Body, "\n2. ") {
					t.Fatalf("want the %s answer with numbered options to %s, got to %s:\n%s", tc.lang, from, got.To, got.Body)
				}
				post(t, twiliofake.Inbound{AccountSid: twSID, MessageSid: fmt.Sprintf("SM%s%d-2", ch, i), From: from, To: twSMSFrom, Body: "2"})
				msgs, err = p.tw.WaitMessages(ctx, n+2)
				if err != nil {
					t.Fatal(err)
				}
				if next := msgs[n+1]; next.To != from || next.Body == got.Body {
					t.Fatalf("after 2: want a next step, got %+v", next)
				}
				n += 2
			})
		}
	}
}

func TestServeDiscordComponents(t *testing.T) {
	p := startServe(t)
	if _, _, err := p.dc.WaitConnected(waitCtx(t)); err != nil {
		t.Fatal(err)
	}
	for i, tc := range e2eCases {
		t.Run(string(tc.lang), func(t *testing.T) {
			ctx := waitCtx(t)
			channel := fmt.Sprintf("90000%d", i)
			user := discordfake.User{ID: fmt.Sprintf("80000%d", i), Username: "ana"}
			before := len(p.dc.Sent())
			if _, err := p.dc.DM(channel, user, tc.text); err != nil {
				t.Fatal(err)
			}
			sent, err := p.dc.WaitSent(ctx, before+1)
			if err != nil {
				t.Fatal(err)
			}
			got := sent[before]
			ans, _ := p.kb.Answer(bot.Intent("forgot_password"), tc.lang, bot.Client)
			if got.ChannelID != channel || !strings.Contains(got.Content, head(ans.Full)) {
				t.Fatalf("want the %s answer in %s, got %s:\n%s", tc.lang, channel, got.ChannelID, got.Content)
			}
			var no string
			for _, b := range got.Buttons() {
				if b.Label == p.kb.Text(tc.lang, "no", nil) {
					no = b.CustomID
				}
			}
			if no == "" {
				t.Fatalf("no %q button in %+v", p.kb.Text(tc.lang, "no", nil), got.Buttons())
			}
			if _, err := p.dc.Press("", channel, user, string(tc.lang), no); err != nil {
				t.Fatal(err)
			}
			sent, err = p.dc.WaitSent(ctx, before+2)
			if err != nil {
				t.Fatal(err)
			}
			if next := sent[before+1]; next.ChannelID != channel || next.Content == got.Content {
				t.Fatalf("after No: want a next step, got %+v", next)
			}
		})
	}
}

func TestServeMetrics(t *testing.T) {
	own := freeAddr(t)
	tests := []struct {
		name  string
		extra []string
		at    func(p *platforms) string // where /metrics is
	}{
		{"on the webhook listener", nil, func(p *platforms) string { return p.addr }},
		{"on its own listener", []string{"SUPPORTBOT_METRICS_ADDR=" + own}, func(*platforms) string { return own }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startServe(t, tc.extra...)
			ctx := waitCtx(t)
			chat := int64(9100 + i)
			user := telegramfake.User{ID: chat, FirstName: "Ana", LanguageCode: "en"}
			p.tg.PushText(chat, user, e2eCases[2].text)
			if _, err := p.tg.WaitSent(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if at := tc.at(p); at != p.addr {
				// Kept off the public listener when it has its own.
				resp, err := http.Get("http://" + p.addr + "/metrics")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("GET /metrics on the webhook listener: %d, want 404", resp.StatusCode)
				}
			}
			want := []string{
				`supportbot_messages_in_total{channel="telegram"} 1`,
				`supportbot_intents_total{intent="forgot_password",lang="en",verdict="answer"} 1`,
				`supportbot_processing_seconds_count{channel="telegram"} 1`,
				`supportbot_messages_out_total{channel="telegram",outcome="sent"} 1`,
				`supportbot_outbox_pending{channel="telegram"} 0`,
				`supportbot_outbox_pending{channel="sms"} 0`,
			}
			// The send is counted just after the platform accepted it.
			for {
				resp, err := http.Get("http://" + tc.at(p) + "/metrics")
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
				}
				body := string(b)
				missing := slices.DeleteFunc(slices.Clone(want), func(w string) bool { return strings.Contains(body, w) })
				if len(missing) == 0 {
					return
				}
				if ctx.Err() != nil {
					t.Fatalf("metrics lack %q:\n%s", missing, body)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func TestServeProtectionFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		args []string
	}{
		{"rate limit not a number", nil, []string{"--rate-limit", "fast"}},
		{"rate limit env not a number", map[string]string{"SUPPORTBOT_RATE_LIMIT": "fast"}, nil},
		{"burst env not a number", map[string]string{"SUPPORTBOT_RATE_BURST": "many"}, nil},
		{"no burst", nil, []string{"--rate-burst", "0"}},
		{"drain env not a duration", map[string]string{"SUPPORTBOT_DRAIN": "soon"}, nil},
		{"read timeout not a duration", map[string]string{"SUPPORTBOT_HTTP_READ_TIMEOUT": "soon"}, nil},
		{"idle timeout zero", map[string]string{"SUPPORTBOT_HTTP_IDLE_TIMEOUT": "0s"}, nil},
		{"visitor streams not a number", map[string]string{"SUPPORTBOT_WEBCHAT_VISITOR_STREAMS": "many"}, nil},
		{"no streams", map[string]string{"SUPPORTBOT_WEBCHAT_STREAMS": "0"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir(), "SUPPORTBOT_ADDR": freeAddr(t)}
			for k, v := range tc.vars {
				vars[k] = v
			}
			if code, out, errOut := runCmd(t, "", vars, append([]string{"serve"}, tc.args...)...); code != 2 {
				t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
			}
		})
	}
}
