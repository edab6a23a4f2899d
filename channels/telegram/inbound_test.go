package telegram

import (
	"errors"
	"strconv"
	"testing"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
)

func TestPollingTextInEachLanguage(t *testing.T) {
	tests := []struct {
		lang, text string
		user       telegramfake.User
	}{
		{"es-MX", "No puedo iniciar sesión, dice contraseña incorrecta", telegramfake.User{ID: 11, FirstName: "Lucía", LastName: "Pérez", LanguageCode: "es-MX"}},
		{"fr", "Je n'arrive pas à me connecter à l'application", telegramfake.User{ID: 12, FirstName: "Élodie", LanguageCode: "fr"}},
		{"en", "I never got the verification code", telegramfake.User{ID: 13, Username: "sam_k", LanguageCode: "en"}},
	}
	e := newEnv(t, nil)
	h := newRecorder()
	ids := make([]int64, len(tests))
	for i, tc := range tests {
		ids[i] = e.fake.PushText(tc.user.ID+1000, tc.user, tc.text)
	}
	e.run(t, h)
	got := h.wait(t, len(tests))
	for i, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			m := got[i]
			wantName := tc.user.FirstName
			if tc.user.LastName != "" {
				wantName += " " + tc.user.LastName
			}
			if wantName == "" {
				wantName = tc.user.Username
			}
			want := bot.Message{
				Channel: Name, ChatID: strconv.FormatInt(tc.user.ID+1000, 10),
				ContactID: strconv.FormatInt(tc.user.ID, 10), DisplayName: wantName,
				Text: tc.text, Locale: tc.lang, Audience: bot.Client,
				PlatformID: strconv.FormatInt(ids[i], 10),
			}
			m.Time = want.Time
			if m != want {
				t.Errorf("message:\n got %+v\nwant %+v", m, want)
			}
			if got[i].Time.IsZero() {
				t.Error("Time not set")
			}
		})
	}
	if err := e.fake.WaitConfirmed(testCtx(t), ids[len(ids)-1]); err != nil {
		t.Fatal(err)
	}
}

func TestPollingCallbackQuery(t *testing.T) {
	e := newEnv(t, nil)
	h := newRecorder()
	user := telegramfake.User{ID: 21, FirstName: "Ana", LanguageCode: "es"}
	_, qid := e.fake.PushCallback(2100, user, "fb:yes")
	e.run(t, h)
	m := h.wait(t, 1)[0]
	if m.Payload != "fb:yes" || m.PlatformID != "cb:"+qid || m.ChatID != "2100" || m.ContactID != "21" || m.Locale != "es" {
		t.Errorf("callback message = %+v", m)
	}
	answered, err := e.fake.WaitAnswered(testCtx(t), 1)
	if err != nil || len(answered) != 1 || answered[0] != qid {
		t.Errorf("answered = %v, %v; want [%s]", answered, err, qid)
	}
}

func TestPollingMedia(t *testing.T) {
	file := &telegramfake.File{FileID: "f", FileUniqueID: "u"}
	tests := []struct {
		name    string
		set     func(*telegramfake.Message)
		caption string
	}{
		{"photo with caption", func(m *telegramfake.Message) {
			m.Photo = []telegramfake.PhotoSize{{FileID: "p", Width: 90, Height: 90}}
		}, "mira esto"},
		{"sticker", func(m *telegramfake.Message) { m.Sticker = file }, ""},
		{"voice", func(m *telegramfake.Message) { m.Voice = file }, ""},
		{"document", func(m *telegramfake.Message) { m.Document = file }, "le fichier"},
		{"video", func(m *telegramfake.Message) { m.Video = file }, ""},
	}
	e := newEnv(t, nil)
	h := newRecorder()
	for _, tc := range tests {
		msg := e.fake.NewMessage(31, telegramfake.User{ID: 31, FirstName: "M"}, "")
		tc.set(msg)
		msg.Caption = tc.caption
		e.fake.PushUpdate(telegramfake.Update{Message: msg})
	}
	e.run(t, h)
	got := h.wait(t, len(tests))
	for i, tc := range tests {
		if !got[i].Media || got[i].Text != tc.caption {
			t.Errorf("%s: Media=%v Text=%q, want Media=true Text=%q", tc.name, got[i].Media, got[i].Text, tc.caption)
		}
	}
}

func TestPollingIgnoresNonClientUpdates(t *testing.T) {
	e := newEnv(t, nil)
	h := newRecorder()
	group := e.fake.NewMessage(-100, telegramfake.User{ID: 41, FirstName: "G"}, "hola grupo")
	group.Chat.Type = "group"
	fromBot := e.fake.NewMessage(42, telegramfake.User{ID: 42, IsBot: true, FirstName: "B"}, "beep")
	edited := e.fake.NewMessage(43, telegramfake.User{ID: 43, FirstName: "E"}, "edit")
	e.fake.PushUpdate(telegramfake.Update{Message: group})
	e.fake.PushUpdate(telegramfake.Update{Message: fromBot})
	e.fake.PushUpdate(telegramfake.Update{EditedMessage: edited})
	last := e.fake.PushText(44, telegramfake.User{ID: 44, FirstName: "C"}, "hello")
	e.run(t, h)
	got := h.wait(t, 1)
	if err := e.fake.WaitConfirmed(testCtx(t), last); err != nil {
		t.Fatal(err)
	}
	if got = h.messages(); len(got) != 1 || got[0].Text != "hello" {
		t.Errorf("handled %+v, want only the private text", got)
	}
}

func TestPollingRedeliversUntilHandled(t *testing.T) {
	e := newEnv(t, nil)
	h := newRecorder(errors.New("db is down"), nil, bot.ErrDuplicate)
	first := e.fake.PushText(51, telegramfake.User{ID: 51, FirstName: "R"}, "first")
	second := e.fake.PushText(51, telegramfake.User{ID: 51, FirstName: "R"}, "second")
	e.run(t, h)
	got := h.wait(t, 3)
	if err := e.fake.WaitConfirmed(testCtx(t), second); err != nil {
		t.Fatal(err)
	}
	want := []string{strconv.FormatInt(first, 10), strconv.FormatInt(first, 10), strconv.FormatInt(second, 10)}
	for i, w := range want {
		if got[i].PlatformID != w {
			t.Errorf("delivery %d PlatformID = %s, want %s", i, got[i].PlatformID, w)
		}
	}
	if n := len(h.messages()); n != 3 {
		t.Errorf("handled %d deliveries, want 3 (a duplicate is acknowledged, not redelivered)", n)
	}
}

func TestRunStopsOnRejectedToken(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Token = "999:wrong-token" })
	err := e.ch.Run(testCtx(t), newRecorder())
	if err == nil {
		t.Fatal("Run with a rejected token returned nil")
	}
	if contains(err.Error(), "999:wrong-token") || contains(e.logs.String(), "999:wrong-token") {
		t.Errorf("token leaked: err=%q logs=%q", err, e.logs.String())
	}
}

func TestRunDeletesWebhookFirst(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.ch.SetWebhook(testCtx(t), "https://bot.example.com/webhooks/telegram"); err != nil {
		t.Fatal(err)
	}
	h := newRecorder()
	e.fake.PushText(61, telegramfake.User{ID: 61, FirstName: "W"}, "hola")
	e.run(t, h)
	h.wait(t, 1)
	if url, _ := e.fake.Webhook(); url != "" {
		t.Errorf("webhook still set to %q", url)
	}
}
