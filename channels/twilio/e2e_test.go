package twilio

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

// miniEngine stands in for the engine and the outbox: it answers a login
// question in the client's language with numbered options, and "2" with a
// hand-off notice; replies are delivered by a dispatcher goroutine that
// honours RetryAfterError like the real one.
type miniEngine struct {
	channels map[string]bot.Channel
	outbox   chan bot.Outbound
	mu       sync.Mutex
	got      []bot.Message
	nextID   int64
}

var answers = map[string][2]string{ // by the first word of the question
	"No": {"Pulse ¿Olvidó su contraseña? en la pantalla de inicio.\n1. Sí, gracias\n2. Hablar con una persona", "Le paso con una persona del equipo."},
	"Je": {"Touchez « Mot de passe oublié ? » sur l'écran de connexion.\n1. Oui, merci\n2. Parler à une personne", "Je vous mets en relation avec l'équipe."},
	"I":  {"Tap **Forgot password?** on the login screen.\n1. Yes, thanks\n2. Talk to a person", "Connecting you with the team."},
}

func (m *miniEngine) Handle(_ context.Context, msg bot.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.got = append(m.got, msg)
	var text string
	if msg.Text == "2" {
		prev := m.got[len(m.got)-2]
		text = answers[strings.Fields(prev.Text)[0]][1]
	} else {
		text = answers[strings.Fields(msg.Text)[0]][0]
	}
	m.nextID++
	m.outbox <- bot.Outbound{ID: m.nextID, Channel: msg.Channel, ChatID: msg.ChatID, Reply: bot.Reply{Text: text}, Kind: "bot"}
	return nil
}

func (m *miniEngine) dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-m.outbox:
			for {
				_, err := m.channels[o.Channel].Send(ctx, o)
				var ra *bot.RetryAfterError
				if err == nil || !errors.As(err, &ra) {
					break
				}
				select {
				case <-time.After(ra.After):
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

func TestEndToEnd(t *testing.T) {
	tests := []struct {
		name, from, question, wantAnswer, wantNext string
	}{
		{"sms es", "+34612345678", "No puedo entrar", "Pulse ¿Olvido su contraseña?", "Le paso con una persona"},
		{"sms fr", "+33612345678", "Je ne peux pas me connecter", "Touchez \"Mot de passe oublié ?\"", "Je vous mets en relation"},
		{"sms en", "+447700900123", "I can't log in", "Tap **Forgot password?**", "Connecting you"},
		{"whatsapp es", "whatsapp:+34612345678", "No puedo entrar", "Pulse ¿Olvidó su contraseña?", "Le paso con una persona"},
		{"whatsapp fr", "whatsapp:+33612345678", "Je ne peux pas me connecter", "Touchez « Mot de passe oublié ? »", "Je vous mets en relation"},
		{"whatsapp en", "whatsapp:+447700900123", "I can't log in", "Tap *Forgot password?*", "Connecting you"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			eng := &miniEngine{outbox: make(chan bot.Outbound, 4), channels: map[string]bot.Channel{}}
			for _, c := range e.tw.Channels() {
				eng.channels[c.Name()] = c
			}
			ctx := testCtx(t)
			dctx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); eng.dispatch(dctx) }()
			t.Cleanup(func() { stop(); <-done })

			mux := http.NewServeMux()
			mux.Handle("POST "+WebhookPath, e.tw.Webhook(eng))
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			deliver := func(body string) {
				t.Helper()
				req, err := twiliofake.NewSignedRequest(ctx, srv.URL+WebhookPath, e.tw.WebhookURL(), testToken, inbound(tt.from, body).Form())
				if err != nil {
					t.Fatal(err)
				}
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("webhook: %d", resp.StatusCode)
				}
			}

			// Twilio throttles the first reply once; it still arrives once.
			e.fake.FailNext(1, twiliofake.Failure{Status: 429, Code: 20429, RetryAfter: "0.01"})
			deliver(tt.question)
			msgs, err := e.fake.WaitMessages(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msgs[0].Body, tt.wantAnswer) || !strings.Contains(msgs[0].Body, "\n2. ") || msgs[0].To != tt.from {
				t.Fatalf("answer %q to %q, want %q with numbered options", msgs[0].Body, msgs[0].To, tt.wantAnswer)
			}
			deliver("2")
			msgs, err = e.fake.WaitMessages(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msgs[1].Body, tt.wantNext) {
				t.Errorf("next step %q, want %q", msgs[1].Body, tt.wantNext)
			}
			if len(msgs) != 2 || e.fake.Requests() != 3 {
				t.Errorf("%d messages from %d requests, want 2 from 3", len(msgs), e.fake.Requests())
			}
		})
	}
}
