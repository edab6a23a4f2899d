package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// TestLoadChatMatchesSeparateReads: LoadChat finds what Conversation and
// Contact find, and reports what they would call ErrNotFound as missing.
func TestLoadChatMatchesSeparateReads(t *testing.T) {
	t.Parallel()
	s := openURL(t, newSchema(t))
	ctx := context.Background()
	conv := bot.Conversation{Channel: "test", ChatID: "both", ContactID: "u1", State: bot.StateBot, Lang: bot.Lang("fr")}
	ct := &bot.Contact{Channel: "test", ContactID: "u1", Name: "Ana", Lang: bot.Lang("fr"), Audience: bot.Client}
	if _, err := s.Commit(ctx, bot.Change{Conversation: conv, Contact: ct, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		chat, contact    string
		wantConv, wantCt bool
	}{
		{"both stored", "both", "u1", true, true},
		{"contact only", "other", "u1", false, true},
		{"neither", "new", "u2", false, false},
		{"conversation only", "both", "u9", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := s.LoadChat(ctx, "test", tc.chat, tc.contact)
			if err != nil {
				t.Fatal(err)
			}
			if cs.ConversationFound != tc.wantConv || cs.ContactFound != tc.wantCt {
				t.Fatalf("found conversation %v, contact %v; want %v, %v", cs.ConversationFound, cs.ContactFound, tc.wantConv, tc.wantCt)
			}
			c, err := s.Conversation(ctx, "test", tc.chat)
			if tc.wantConv {
				if err != nil || c.ID != cs.Conversation.ID || c.Version != cs.Conversation.Version || c.Lang != cs.Conversation.Lang {
					t.Fatalf("LoadChat conversation %+v, Conversation %+v (%v)", cs.Conversation, c, err)
				}
			} else if !errors.Is(err, bot.ErrNotFound) {
				t.Fatalf("Conversation: %v, want ErrNotFound", err)
			}
			k, err := s.Contact(ctx, "test", tc.contact)
			if tc.wantCt {
				if err != nil || k != cs.Contact {
					t.Fatalf("LoadChat contact %+v, Contact %+v (%v)", cs.Contact, k, err)
				}
			} else if !errors.Is(err, bot.ErrNotFound) {
				t.Fatalf("Contact: %v, want ErrNotFound", err)
			}
		})
	}
}
