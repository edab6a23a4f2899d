package discord

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/discord/discordfake"
)

func TestSendComponents(t *testing.T) {
	seven := make([]bot.Button, 7)
	for i := range seven {
		seven[i] = bot.Button{Label: "Opción " + string(rune('A'+i)), Payload: "pick:" + string(rune('a'+i))}
	}
	tests := []struct {
		name        string
		chat        string
		buttons     []bot.Button
		wantChannel string
		wantPrefix  string
		wantRows    []int
	}{
		{"dm no buttons", "900", nil, "900", "", nil},
		{"dm yes/no", "900", []bot.Button{{Label: "Sí", Payload: "fb:yes"}, {Label: "No", Payload: "fb:no"}}, "900", "", []int{2}},
		{"seven choices", "900", seven, "900", "", []int{5, 2}},
		{"guild mentions the user", guildChannel + "/42", []bot.Button{{Label: "Oui", Payload: "fb:yes"}}, guildChannel, "<@42> ", []int{1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			text := "Pour réinitialiser ton mot de passe, touche « Mot de passe oublié ». @everyone"
			id, err := e.ch.Send(testCtx(t), bot.Outbound{ID: 1, ChatID: tc.chat, Reply: bot.Reply{Text: text, Buttons: tc.buttons}})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			sent := e.fake.Sent()
			if len(sent) != 1 {
				t.Fatalf("fake got %d messages", len(sent))
			}
			s := sent[0]
			if s.ID != id || s.ChannelID != tc.wantChannel || s.Content != tc.wantPrefix+text {
				t.Errorf("sent %+v (id %s)", s, id)
			}
			var rows []int
			for _, r := range s.Components {
				rows = append(rows, len(r.Components))
			}
			if len(rows) != len(tc.wantRows) || (len(rows) > 0 && strings.Trim(strings.Join(strings.Fields(fmtInts(rows)), ","), "[]") != strings.Trim(strings.Join(strings.Fields(fmtInts(tc.wantRows)), ","), "[]")) {
				t.Errorf("rows = %v, want %v", rows, tc.wantRows)
			}
			for i, b := range s.Buttons() {
				if b.Label != tc.buttons[i].Label || b.CustomID != tc.buttons[i].Payload {
					t.Errorf("button %d = %+v, want %+v", i, b, tc.buttons[i])
				}
			}
			am := s.AllowedMentions
			if am == nil || len(am.Parse) != 0 {
				t.Errorf("allowed_mentions = %+v, want no parsed mentions (@everyone stays inert)", am)
			} else if tc.wantPrefix != "" && (len(am.Users) != 1 || am.Users[0] != "42") {
				t.Errorf("allowed users = %v, want [42]", am.Users)
			}
		})
	}
}

func fmtInts(a []int) string {
	var b strings.Builder
	for _, n := range a {
		b.WriteString(" ")
		b.WriteString(string(rune('0' + n)))
	}
	return b.String()
}

func TestSendSplitsLongReplies(t *testing.T) {
	e := newEnv(t, nil)
	para := strings.TrimSpace(strings.Repeat("Abre la app y toca «Olvidé mi contraseña». ", 35)) // ~1.5k
	text := para + "\n\n" + para + "\n\n" + para
	_, err := e.ch.Send(testCtx(t), bot.Outbound{ID: 2, ChatID: guildChannel + "/42",
		Reply: bot.Reply{Text: text, Buttons: []bot.Button{{Label: "Sí", Payload: "fb:yes"}}}})
	if err != nil {
		t.Fatal(err)
	}
	sent := e.fake.Sent()
	if len(sent) != 3 {
		t.Fatalf("got %d parts, want 3", len(sent))
	}
	for i, s := range sent {
		if s.Content != "<@42> "+para {
			t.Errorf("part %d is not one whole paragraph with the mention", i)
		}
		if (len(s.Components) > 0) != (i == 2) {
			t.Errorf("part %d components=%d; buttons go on the last part", i, len(s.Components))
		}
	}
}

func TestSendRateLimited(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Fail("messages", discordfake.RateLimited(0.2))
	o := bot.Outbound{ID: 3, ChatID: "901", Reply: bot.Reply{Text: "hola"}}
	_, err := e.ch.Send(testCtx(t), o)
	ra, ok := isRetryAfter(err)
	if !ok || ra.After != 200*time.Millisecond || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("err = %v, want RetryAfterError after 200ms", err)
	}
	if _, err := e.ch.Send(testCtx(t), o); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := len(e.fake.Sent()); n != 1 {
		t.Errorf("delivered %d times, want 1", n)
	}
}

func TestSendPermanentFailures(t *testing.T) {
	many := make([]bot.Button, 26)
	for i := range many {
		many[i] = bot.Button{Label: "x", Payload: "p"}
	}
	tests := []struct {
		name      string
		o         bot.Outbound
		setup     func(*discordfake.Server)
		wantCalls int
	}{
		{"DMs closed", bot.Outbound{ChatID: "902", Reply: bot.Reply{Text: "hola"}}, func(f *discordfake.Server) { f.Forbid("902") }, 1},
		{"unknown channel", bot.Outbound{ChatID: "903", Reply: bot.Reply{Text: "hola"}}, func(f *discordfake.Server) {
			f.Fail("messages", discordfake.Failure{Status: 404, Code: 10003, Message: "Unknown Channel"})
		}, 1},
		{"payload over 100", bot.Outbound{ChatID: "904", Reply: bot.Reply{Text: "hola", Buttons: []bot.Button{{Label: "x", Payload: strings.Repeat("p", 101)}}}}, nil, 0},
		{"too many buttons", bot.Outbound{ChatID: "904", Reply: bot.Reply{Text: "hola", Buttons: many}}, nil, 0},
		{"empty chat", bot.Outbound{ChatID: "", Reply: bot.Reply{Text: "hola"}}, nil, 0},
		{"empty text", bot.Outbound{ChatID: "905", Reply: bot.Reply{Text: " "}}, nil, 0},
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
			if n := len(e.fake.Sent()); n != 0 {
				t.Errorf("%d messages delivered", n)
			}
		})
	}
}

func TestSendServerErrorIsRetryable(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.Fail("messages", discordfake.Failure{Status: 500, Message: "500: Internal Server Error"})
	_, err := e.ch.Send(testCtx(t), bot.Outbound{ChatID: "906", Reply: bot.Reply{Text: "hola"}})
	if err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("err = %v, want retryable", err)
	}
	if _, ok := isRetryAfter(err); ok {
		t.Error("500 is not a RetryAfterError")
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t, nil)
	if name, err := e.ch.Check(testCtx(t)); err != nil || name != discordfake.BotUsername {
		t.Errorf("Check = %q, %v", name, err)
	}
}

func TestRewriter(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.Path }))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/proxy/")
	rt := &rewriter{base: base, next: http.DefaultTransport}
	req, _ := http.NewRequest(http.MethodGet, "https://discord.com/api/v9/gateway", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "/proxy/api/v9/gateway" {
		t.Errorf("path = %q", got)
	}
	if req.URL.Host != "discord.com" {
		t.Error("rewriter modified the caller's request")
	}
}
