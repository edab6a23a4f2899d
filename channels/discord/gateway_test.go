package discord

import (
	"errors"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/discord/discordfake"
)

func TestGatewayIdentifiesWithMessageContentIntent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.run(t, newRecorder())
	ids, resumes, err := e.fake.WaitConnected(testCtx(t))
	if err != nil || ids != 1 || resumes != 0 {
		t.Fatalf("identifies=%d resumes=%d err=%v", ids, resumes, err)
	}
	if got := e.fake.Intents(); got&discordfake.IntentMessageContent == 0 || got&(1<<9) == 0 || got&(1<<12) == 0 {
		t.Errorf("intents = %b, want message content, guild messages and direct messages", got)
	}
}

func TestDirectMessagesInEachLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, channel, text string
		user                discordfake.User
	}{
		{"es", "400000000000000001", "Olvidé mi contraseña y no me llega el correo", discordfake.User{ID: "11", Username: "lucia", GlobalName: "Lucía"}},
		{"fr", "400000000000000002", "Mon compte est désactivé, que faire ?", discordfake.User{ID: "12", Username: "elodie"}},
		{"en", "400000000000000003", "The app says my version is outdated", discordfake.User{ID: "13", Username: "sam", GlobalName: "Sam K"}},
	}
	e := newEnv(t, nil)
	h := newRecorder()
	e.run(t, h)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := must[string](t)(e.fake.DM(tc.channel, tc.user, tc.text))
			m := h.find(t, id)
			name := tc.user.GlobalName
			if name == "" {
				name = tc.user.Username
			}
			want := bot.Message{Channel: Name, ChatID: tc.channel, ContactID: tc.user.ID, DisplayName: name,
				Text: tc.text, Audience: bot.Client, PlatformID: id, Time: m.Time}
			if m != want {
				t.Errorf("message:\n got %+v\nwant %+v", m, want)
			}
			if m.Time.IsZero() {
				t.Error("Time not set")
			}
		})
	}
}

func TestGuildMentionsOnlyInConfiguredChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	h := newRecorder()
	stop := e.run(t, h)
	user := discordfake.User{ID: "21", Username: "ana"}
	ignored := []func() (string, error){
		func() (string, error) { return e.fake.Mention(guildID, "399", user, "hola") }, // not configured
		func() (string, error) { // configured, but no mention
			return e.fake.MessageCreate(discordfake.Message{GuildID: guildID, ChannelID: guildChannel, Author: user, Content: "hola a todos"})
		},
		func() (string, error) {
			return e.fake.DM("401", discordfake.User{ID: discordfake.BotID, Username: "hexfit", Bot: true}, "echo")
		},
		func() (string, error) {
			return e.fake.DM("402", discordfake.User{ID: "77", Username: "otherbot", Bot: true}, "beep")
		},
	}
	for _, f := range ignored {
		must[string](t)(f())
	}
	id := must[string](t)(e.fake.Mention(guildID, guildChannel, user, " No me llega el código "))
	m := h.find(t, id)
	if m.ChatID != guildChannel+"/21" || m.Text != "No me llega el código" || m.ContactID != "21" {
		t.Errorf("mention message = %+v", m)
	}
	stop() // waits for in-flight handlers
	if got := h.messages(); len(got) != 1 {
		t.Errorf("handled %d messages, want only the mention: %+v", len(got), got)
	}
}

func TestMediaOnlyMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	h := newRecorder()
	e.run(t, h)
	user := discordfake.User{ID: "31", Username: "m"}
	photo := must[string](t)(e.fake.MessageCreate(discordfake.Message{ChannelID: "500", Author: user,
		Attachments: []discordfake.Attachment{{ID: "1", Filename: "screen.png", URL: "https://cdn.example/1", Size: 10}}}))
	sticker := must[string](t)(e.fake.MessageCreate(discordfake.Message{ChannelID: "500", Author: user,
		StickerItems: []discordfake.StickerItem{{ID: "2", Name: "wave", FormatType: 1}}}))
	for _, id := range []string{photo, sticker} {
		if m := h.find(t, id); !m.Media || m.Text != "" {
			t.Errorf("media message %s = %+v, want Media and no text", id, m)
		}
	}
}

func TestButtonPress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, guild, channel, locale, wantChat string
	}{
		{"dm", "", "600", "fr", "600"},
		{"guild", guildID, guildChannel, "es-ES", guildChannel + "/41"},
	}
	e := newEnv(t, nil)
	h := newRecorder()
	e.run(t, h)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := must[string](t)(e.fake.Press(tc.guild, tc.channel, discordfake.User{ID: "41", Username: "p"}, tc.locale, "fb:yes"))
			m := h.find(t, "ix:"+id)
			if m.Payload != "fb:yes" || m.ChatID != tc.wantChat || m.Locale != tc.locale || m.ContactID != "41" {
				t.Errorf("press message = %+v", m)
			}
			acks := must[[]discordfake.Ack](t)(e.fake.WaitAcks(testCtx(t), i+1))
			if a := acks[i]; a.InteractionID != id || a.Type != 6 {
				t.Errorf("ack = %+v, want deferred update (6) for %s", a, id)
			}
		})
	}
}

func TestHandlerFailureIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	h := newRecorder(errors.New("db busy"))
	stop := e.run(t, h)
	id := must[string](t)(e.fake.DM("700", discordfake.User{ID: "51", Username: "r"}, "hello"))
	h.find(t, id)
	for deadline := 0; len(h.messages()) < 2 && deadline < 100; deadline++ {
		<-h.signal
	}
	stop()
	got := h.messages()
	if len(got) != 2 || got[0].PlatformID != id || got[1].PlatformID != id {
		t.Errorf("deliveries = %+v, want the same message twice", got)
	}
}

func TestReconnectAfterGatewayLoss(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	h := newRecorder()
	e.run(t, h)
	user := discordfake.User{ID: "61", Username: "c"}
	h.find(t, must[string](t)(e.fake.DM("800", user, "before")))
	e.fake.Drop()
	ids, resumes, err := e.fake.WaitConnected(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if ids != 1 || resumes != 1 {
		t.Errorf("identifies=%d resumes=%d, want the session resumed", ids, resumes)
	}
	if m := h.find(t, must[string](t)(e.fake.DM("800", user, "after"))); m.Text != "after" {
		t.Errorf("after reconnect: %+v", m)
	}
	if !strings.Contains(e.logs.String(), "reconnecting") {
		t.Error("connection loss not logged")
	}
}

func TestRunFailsOnRejectedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *Config) { c.Token = "wrong-token-value" })
	err := e.ch.Run(testCtx(t), newRecorder())
	if err == nil {
		t.Fatal("Run with a rejected token returned nil")
	}
	if strings.Contains(err.Error(), "wrong-token-value") || strings.Contains(e.logs.String(), "wrong-token-value") {
		t.Errorf("token leaked: %v", err)
	}
}
