package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestSendButtonsAsInlineKeyboard(t *testing.T) {
	tests := []struct {
		name     string
		buttons  []bot.Button
		wantRows [][]string // callback_data per row
	}{
		{"no buttons", nil, nil},
		{"yes/no on one row", []bot.Button{{Label: "Sí", Payload: "fb:yes"}, {Label: "No", Payload: "fb:no"}}, [][]string{{"fb:yes", "fb:no"}}},
		{"choices one per row", []bot.Button{{Label: "Olvidé mi contraseña", Payload: "pick:forgot_password"}, {Label: "Código", Payload: "pick:code_not_received"}, {Label: "Agente", Payload: "human"}},
			[][]string{{"pick:forgot_password"}, {"pick:code_not_received"}, {"human"}}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			text := "Para restablecer tu contraseña, toca «¿Olvidaste tu contraseña?»."
			id, err := e.ch.Send(testCtx(t), bot.Outbound{ID: int64(i + 1), ChatID: "4242", Reply: bot.Reply{Text: text, Buttons: tc.buttons}})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := e.fake.Sent()
			if len(sent) != 1 {
				t.Fatalf("fake got %d messages, want 1", len(sent))
			}
			s := sent[0]
			if s.ChatID != 4242 || s.Text != text || id == "" || id != itoa(s.MessageID) {
				t.Errorf("sent %+v, id %q", s, id)
			}
			var rows [][]string
			if s.Markup != nil {
				for _, r := range s.Markup.InlineKeyboard {
					var row []string
					for _, b := range r {
						row = append(row, b.CallbackData)
					}
					rows = append(rows, row)
				}
			}
			if !equalRows(rows, tc.wantRows) {
				t.Errorf("keyboard rows = %v, want %v", rows, tc.wantRows)
			}
			for j, b := range s.Buttons() {
				if b.Text != tc.buttons[j].Label {
					t.Errorf("button %d label %q, want %q", j, b.Text, tc.buttons[j].Label)
				}
			}
		})
	}
}

func TestSendSplitsLongReplies(t *testing.T) {
	e := newEnv(t, nil)
	para := strings.Repeat("Paso: abre la app y toca «Iniciar sesión». ", 40) // ~1.7k
	text := strings.Join([]string{para, para, para, para}, "\n\n")
	buttons := []bot.Button{{Label: "Sí", Payload: "fb:yes"}, {Label: "No", Payload: "fb:no"}}
	if _, err := e.ch.Send(testCtx(t), bot.Outbound{ID: 7, ChatID: "77", Reply: bot.Reply{Text: text, Buttons: buttons}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sent := e.fake.Sent()
	if len(sent) < 2 {
		t.Fatalf("got %d parts, want a split", len(sent))
	}
	var joined []string
	for i, s := range sent {
		if textLen(s.Text) > MaxTextLen {
			t.Errorf("part %d has %d units", i, textLen(s.Text))
		}
		if (s.Markup != nil) != (i == len(sent)-1) {
			t.Errorf("part %d markup=%v; buttons belong on the last part only", i, s.Markup != nil)
		}
		joined = append(joined, s.Text)
	}
	if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("parts do not add up to the original text")
	}
	for i, s := range sent[:len(sent)-1] {
		if strings.TrimSpace(s.Text) != strings.TrimSpace(para) && !strings.HasSuffix(s.Text, ".") {
			t.Errorf("part %d does not end on a boundary: ...%q", i, s.Text[len(s.Text)-20:])
		}
	}
}

func TestSendRetryAfter(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Fail("sendMessage", telegramfake.TooManyRequests(3))
	o := bot.Outbound{ID: 9, ChatID: "90", Reply: bot.Reply{Text: "Hola"}}
	_, err := e.ch.Send(testCtx(t), o)
	ra, ok := isRetryAfter(err)
	if !ok || ra.After != 3*time.Second {
		t.Fatalf("err = %v, want *bot.RetryAfterError after 3s", err)
	}
	if errors.Is(err, bot.ErrPermanent) {
		t.Error("429 must not be permanent")
	}
	// The dispatcher retries after ra.After; the retry goes through once.
	if _, err := e.ch.Send(testCtx(t), o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(e.fake.Sent()); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
}

func TestSendRetryResumesSplitReply(t *testing.T) {
	e := newEnv(t, nil)
	para := strings.TrimSpace(strings.Repeat("paso ", 700))
	text := para + "\n\n" + para + "\n\n" + para
	o := bot.Outbound{ID: 10, ChatID: "91", Reply: bot.Reply{Text: text, Buttons: []bot.Button{{Label: "Sí", Payload: "fb:yes"}}}}
	f := telegramfake.TooManyRequests(1)
	f.After = 1 // the first part goes out, the second hits flood control
	e.fake.Fail("sendMessage", f)
	if _, err := e.ch.Send(testCtx(t), o); err == nil {
		t.Fatal("want the 429 on the second part")
	} else if ra, ok := isRetryAfter(err); !ok || ra.After != time.Second {
		t.Fatalf("err = %v, want retry after 1s", err)
	}
	if _, err := e.ch.Send(testCtx(t), o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	sent := e.fake.Sent()
	if len(sent) != 3 {
		t.Fatalf("fake got %d messages, want 3 (no part repeated)", len(sent))
	}
	for i, s := range sent {
		if s.Text != para {
			t.Errorf("part %d = %.20q..., want one paragraph", i, s.Text)
		}
	}
	if sent[2].Markup == nil {
		t.Error("buttons missing on the last part")
	}
}

func TestSendPermanentFailures(t *testing.T) {
	tests := []struct {
		name      string
		o         bot.Outbound
		setup     func(*telegramfake.Server)
		wantCalls int
	}{
		{"blocked by user", bot.Outbound{ChatID: "500", Reply: bot.Reply{Text: "hola"}}, func(f *telegramfake.Server) { f.Block(500) }, 1},
		{"chat not found", bot.Outbound{ChatID: "501", Reply: bot.Reply{Text: "hola"}}, func(f *telegramfake.Server) {
			f.Fail("sendMessage", telegramfake.Failure{Code: 400, Description: "Bad Request: chat not found"})
		}, 1},
		{"payload over 64 bytes", bot.Outbound{ChatID: "502", Reply: bot.Reply{Text: "hola", Buttons: []bot.Button{{Label: "x", Payload: strings.Repeat("p", 65)}}}}, nil, 0},
		{"empty payload", bot.Outbound{ChatID: "502", Reply: bot.Reply{Text: "hola", Buttons: []bot.Button{{Label: "x", Payload: ""}}}}, nil, 0},
		{"bad chat id", bot.Outbound{ChatID: "not-a-number", Reply: bot.Reply{Text: "hola"}}, nil, 0},
		{"empty text", bot.Outbound{ChatID: "503", Reply: bot.Reply{Text: "  "}}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			if tc.setup != nil {
				tc.setup(e.fake)
			}
			_, err := e.ch.Send(testCtx(t), tc.o)
			if !errors.Is(err, bot.ErrPermanent) {
				t.Fatalf("err = %v, want ErrPermanent", err)
			}
			if _, ok := isRetryAfter(err); ok {
				t.Error("permanent error is also a RetryAfterError")
			}
			if n := e.fake.Calls("sendMessage"); n != tc.wantCalls {
				t.Errorf("sendMessage called %d times, want %d", n, tc.wantCalls)
			}
		})
	}
}

func TestSendTransientFailures(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Fail("sendMessage", telegramfake.Failure{Code: 502, Description: "Bad Gateway"})
	_, err := e.ch.Send(testCtx(t), bot.Outbound{ChatID: "600", Reply: bot.Reply{Text: "hola"}})
	if err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if _, ok := isRetryAfter(err); ok {
		t.Error("5xx carries no retry_after")
	}
}

func TestSendWaitsForPerChatRate(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ChatRate = 0.001; c.ChatBurst = 1 })
	o := bot.Outbound{ChatID: "700", Reply: bot.Reply{Text: "uno"}}
	if _, err := e.ch.Send(testCtx(t), o); err != nil {
		t.Fatal(err)
	}
	// Another chat is not held back by the first one's limit.
	if _, err := e.ch.Send(testCtx(t), bot.Outbound{ChatID: "701", Reply: bot.Reply{Text: "otro"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.ch.Send(ctx, o)
	if err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("second send to the same chat: err = %v, want a rate-limit wait error", err)
	}
	if n := len(e.fake.Sent()); n != 2 {
		t.Errorf("fake got %d messages, want 2", n)
	}
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], ",") != strings.Join(b[i], ",") {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
