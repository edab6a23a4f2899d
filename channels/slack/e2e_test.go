package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/discord"
	"github.com/hexfit/supportbot/channels/discord/discordfake"
	"github.com/hexfit/supportbot/channels/telegram"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

// clientSide drives a client on a real channel adapter through its fake
// platform.
type clientSide struct {
	channel, chat string
	say           func(t *testing.T, text string)
	// choose answers the bot's last question with the option carrying
	// payload (a button press, or its number typed where there are none).
	choose func(t *testing.T, payload string)
	// inbox is every text the client's platform received, oldest first.
	inbox func() []string
}

func (c clientSide) waitInbox(t *testing.T, what string, pred func(string) bool) string {
	t.Helper()
	var got string
	waitFor(t, what, func() bool {
		for _, m := range c.inbox() {
			if pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// runClientJourney is the end-to-end scenario: the client asks →
// answer → "No" → human → Slack parent → Take → agent reply in the thread →
// the client's platform receives it → note: not relayed → Resolve → CSAT
// question reaches the client → the client's next question is answered.
func runClientJourney(t *testing.T, e *env, c clientSide) {
	t.Helper()
	ctx := context.Background()
	defer func() {
		if t.Failed() {
			t.Logf("client inbox: %q", c.inbox())
		}
	}()
	c.say(t, "olvidé mi contraseña")
	answer, _ := e.kb.Answer(bot.Intent("forgot_password"), bot.Lang("es"), bot.Client)
	c.waitInbox(t, "the answer", func(m string) bool { return shows(m, answer.Short, answer.Full) })
	for range 3 {
		conv := e.conv(c.channel, c.chat)
		if conv.Dialog.Awaiting == bot.AwaitHandoff {
			break
		}
		n := len(c.inbox())
		c.choose(t, bot.PayloadNo)
		waitFor(t, "the bot's next question", func() bool { return len(c.inbox()) > n })
	}
	c.choose(t, bot.PayloadYes)
	waitFor(t, "the handoff", func() bool { return e.conv(c.channel, c.chat).State == bot.StateWaiting })
	h, err := e.store.Handoff(ctx, e.conv(c.channel, c.chat).HandoffID)
	if err != nil {
		t.Fatal(err)
	}

	p := e.parent()
	if !strings.Contains(p.Blocks, channelName(c.channel)) || !strings.Contains(p.Blocks, "forgot_password") {
		t.Errorf("parent message:\n%s", p.Blocks)
	}
	thread := p.PostedTS
	id := strconv.FormatInt(h.ID, 10)
	if code := e.postAction(blockAction("UAGENT1", agentsChan, thread, "", handoffBlock+id, takeActionID, id, "Take")); code != http.StatusOK {
		t.Fatalf("take: status %d", code)
	}
	e.idle()

	if code := e.postEvent(eventBody("Ev-"+c.channel+"-1", channelMessage("UAGENT1", agentsChan, "Hola, soy Marta del equipo. Te envío un enlace nuevo.", "1710001000.000100", thread))); code != http.StatusOK {
		t.Fatalf("agent reply: status %d", code)
	}
	c.waitInbox(t, "the agent's reply on the client's platform", func(m string) bool { return shows(m, "soy Marta del equipo") })
	if code := e.postEvent(eventBody("Ev-"+c.channel+"-2", channelMessage("UAGENT1", agentsChan, "note: secreto interno", "1710001001.000100", thread))); code != http.StatusOK {
		t.Fatalf("note: status %d", code)
	}
	e.idle()

	if code := e.postAction(blockAction("UAGENT1", agentsChan, thread, "", handoffBlock+id, resolveActionID, id, "Resolve")); code != http.StatusOK {
		t.Fatalf("resolve: status %d", code)
	}
	ask := e.kb.Text(bot.Lang("es"), "csat_ask", nil)
	c.waitInbox(t, "the satisfaction question", func(m string) bool { return shows(m, ask) })
	for _, m := range c.inbox() {
		if strings.Contains(m, "secreto interno") {
			t.Errorf("the note reached the client: %q", m)
		}
	}
	c.choose(t, bot.PayloadCSAT+"4")
	waitFor(t, "the score", func() bool { got, _ := e.store.Handoff(ctx, h.ID); return got.CSAT == 4 })

	code, _ := e.kb.Answer(bot.Intent("code_not_received"), bot.Lang("es"), bot.Client)
	c.say(t, "no me llega el código de verificación")
	c.waitInbox(t, "the bot answering again", func(m string) bool { return shows(m, code.Short, code.Full) })
}

// shows reports whether m starts like one of the forms, ignoring case and
// accents (SMS drops what GSM-7 cannot carry).
func shows(m string, forms ...string) bool {
	for _, f := range forms {
		if f != "" && strings.Contains(fold(m), fold(firstN(f, 4))) {
			return true
		}
	}
	return false
}

func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, strings.ToLower(s))
	return out
}

func firstN(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

func TestEndToEndTelegram(t *testing.T) {
	t.Parallel()
	const token = "123456:test-token"
	tg := telegramfake.New(token)
	t.Cleanup(tg.Close)
	ch, err := telegram.New(telegram.Config{Token: token, APIURL: tg.URL, PollTimeout: time.Second, Logger: quiet(),
		ChatRate: 1000, ChatBurst: 1000, GlobalRate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, []bot.Channel{ch})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx, e.engine) }()
	t.Cleanup(func() { cancel(); <-done })

	user := telegramfake.User{ID: 4242, FirstName: "Ana", LanguageCode: "es"}
	runClientJourney(t, e, clientSide{
		channel: telegram.Name, chat: "4242",
		say: func(t *testing.T, text string) { tg.PushText(4242, user, text) },
		choose: func(t *testing.T, payload string) {
			t.Helper()
			sent := tg.Sent()
			for i := len(sent) - 1; i >= 0; i-- {
				for _, b := range sent[i].Buttons() {
					if b.CallbackData == payload {
						tg.PushCallback(4242, user, b.CallbackData)
						return
					}
				}
			}
			t.Fatalf("no button with payload %q", payload)
		},
		inbox: func() []string {
			var out []string
			for _, s := range tg.Sent() {
				out = append(out, s.Text)
			}
			return out
		},
	})
}

func TestEndToEndTwilio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, channel, from string
	}{
		{"whatsapp", "whatsapp", "whatsapp:+34600111222"},
		{"sms", "sms", "+34600333444"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const sid, authToken, public = "AC00000000000000000000000000000001", "twilioauthtoken0123", "https://bot.example"
			fake := twiliofake.New(sid, authToken)
			t.Cleanup(fake.Close)
			tw, err := twilio.New(twilio.Config{AccountSID: sid, AuthToken: authToken, SMSFrom: "+15550001111",
				WhatsAppFrom: "whatsapp:+15550002222", PublicURL: public, APIURL: fake.URL, Logger: quiet(),
				Store: twilio.NewMemoryStore()})
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, tw.Channels())
			hook := httptest.NewServer(tw.Webhook(e.engine))
			t.Cleanup(hook.Close)
			to := "+15550001111"
			if tt.channel == "whatsapp" {
				to = "whatsapp:+15550002222"
			}
			say := func(t *testing.T, text string) {
				t.Helper()
				in := twiliofake.Inbound{AccountSid: sid, From: tt.from, To: to, Body: text, ProfileName: "Ana", FromCountry: "ES"}
				req, err := twiliofake.NewSignedRequest(context.Background(), hook.URL+twilio.WebhookPath, tw.WebhookURL(), authToken, in.Form())
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					t.Fatalf("twilio webhook: status %d", resp.StatusCode)
				}
			}
			chat := tt.from
			runClientJourney(t, e, clientSide{
				channel: tt.channel, chat: chat, say: say,
				// No buttons on Twilio: the client types the option's number.
				choose: func(t *testing.T, payload string) {
					t.Helper()
					opts := e.conv(tt.channel, chat).Dialog.Options
					for i, o := range opts {
						if o.Payload == payload {
							say(t, strconv.Itoa(i+1))
							return
						}
					}
					t.Fatalf("no option %q in %+v", payload, opts)
				},
				inbox: func() []string {
					var out []string
					for _, m := range fake.Messages() {
						out = append(out, m.Body)
					}
					return out
				},
			})
		})
	}
}

func TestEndToEndDiscord(t *testing.T) {
	t.Parallel()
	const token = "discord-test-token"
	dc := discordfake.New(token)
	t.Cleanup(dc.Close)
	ch, err := discord.New(discord.Config{Token: token, APIURL: dc.URL, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, []bot.Channel{ch})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ch.Run(ctx, e.engine) }()
	t.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if _, _, err := dc.WaitConnected(wctx); err != nil {
		t.Fatal(err)
	}

	const dm = "700000000000000042"
	user := discordfake.User{ID: "800000000000000042", Username: "ana", GlobalName: "Ana"}
	runClientJourney(t, e, clientSide{
		channel: discord.Name, chat: dm,
		say: func(t *testing.T, text string) {
			t.Helper()
			if _, err := dc.DM(dm, user, text); err != nil {
				t.Fatal(err)
			}
		},
		choose: func(t *testing.T, payload string) {
			t.Helper()
			if _, err := dc.Press("", dm, user, "es-ES", payload); err != nil {
				t.Fatal(err)
			}
		},
		inbox: func() []string {
			var out []string
			for _, s := range dc.Sent() {
				out = append(out, s.Content)
			}
			return out
		},
	})
}
