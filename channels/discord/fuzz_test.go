package discord

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bwmarrin/discordgo"
)

const fuzzBotID = "100000000000000001"

// FuzzGatewayEvent feeds arbitrary gateway dispatch frames ({"op":0,"t":…,
// "d":…}) through discordgo's event types into the adapter's
// MESSAGE_CREATE and INTERACTION_CREATE handling, as the session's event
// loop does. Invariants: no panic; bots (the bot itself included) are never
// handed on; guild messages only from configured channels; handed messages
// are complete.
func FuzzGatewayEvent(f *testing.F) {
	// Interaction acks go here: Discord answers 204.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	f.Cleanup(api.Close)
	c, err := New(Config{Token: testToken, APIURL: api.URL, GuildChannels: []string{guildChannel},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		f.Fatal(err)
	}
	c.s.State.User = &discordgo.User{ID: fuzzBotID, Username: "hexbot", Bot: true}
	f.Add([]byte(`{"op":0,"s":2,"t":"MESSAGE_CREATE","d":{"id":"1","channel_id":"5","author":{"id":"7","username":"ana"},"content":"hola","timestamp":"2025-03-01T12:00:00Z"}}`))
	f.Add([]byte(`{"op":0,"s":3,"t":"INTERACTION_CREATE","d":{"id":"2","type":3,"token":"t","channel_id":"5","user":{"id":"7"},"data":{"custom_id":"fb:1:yes","component_type":2}}}`))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var ev discordgo.Event
		if err := json.Unmarshal(frame, &ev); err != nil {
			return // the session drops frames it cannot decode
		}
		rec := newRecorder()
		ctx := context.Background()
		var guildMsg *discordgo.MessageCreate
		switch ev.Type {
		case "MESSAGE_CREATE":
			var m discordgo.MessageCreate
			if err := json.Unmarshal(ev.RawData, &m); err != nil {
				return
			}
			if m.Message == nil {
				return // discordgo never dispatches an empty event
			}
			guildMsg = &m
			c.onMessage(ctx, rec, &m)
		case "INTERACTION_CREATE":
			var i discordgo.InteractionCreate
			if err := json.Unmarshal(ev.RawData, &i); err != nil {
				return
			}
			if i.Interaction == nil {
				return
			}
			c.onInteraction(ctx, rec, &i)
		default:
			return
		}
		got := rec.messages()
		if len(got) > 1 {
			t.Fatalf("one event handed %d messages", len(got))
		}
		for _, m := range got {
			if m.Channel != Name || m.ChatID == "" || m.ContactID == "" || m.PlatformID == "" {
				t.Fatalf("incomplete message %+v", m)
			}
			if m.ContactID == fuzzBotID {
				t.Fatalf("the bot's own message was handed on: %+v", m)
			}
			if guildMsg != nil {
				if guildMsg.Author.Bot {
					t.Fatalf("a bot's message was handed on: %+v", m)
				}
				if guildMsg.GuildID != "" && !c.guild[guildMsg.ChannelID] {
					t.Fatalf("guild message from unconfigured channel %q handed on", guildMsg.ChannelID)
				}
				if m.Text == "" && !m.Media {
					t.Fatalf("empty message handed on: %+v", m)
				}
			}
		}
	})
}
