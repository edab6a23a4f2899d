package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// groupMessage is one inbound message of chat with its one reply.
func groupMessage(c bot.Conversation, pid string) bot.Change {
	now := time.Now()
	return bot.Change{Conversation: c, At: now,
		Contact: &bot.Contact{Channel: c.Channel, ContactID: c.ChatID, Lang: bot.Lang("en"), Audience: bot.Client},
		Inbound: &bot.Entry{Kind: bot.KindClient, Author: c.ChatID, Text: "q " + pid, PlatformID: pid, At: now},
		Out:     []bot.Outbound{{Channel: c.Channel, ChatID: c.ChatID, Kind: bot.KindBot, Reply: bot.Reply{Text: "a " + pid}}}}
}

// newChat is a conversation not stored yet.
func newChat(chat string) bot.Conversation {
	return bot.Conversation{Channel: "test", ChatID: chat, State: bot.StateBot}
}

// commitAlone commits message pid of conv in a transaction of its own and
// returns conv as stored.
func commitAlone(t *testing.T, s *Store, conv bot.Conversation, pid string) bot.Conversation {
	t.Helper()
	res, err := s.commitOne(context.Background(), groupMessage(conv, pid))
	if err != nil {
		t.Fatalf("commit %s: %v", pid, err)
	}
	conv.ID, conv.Version = res.ConvID, res.Version
	return conv
}

// A group of new conversations shares one transaction; each change's
// statements must still land on its own conversation (the ids drawn in
// the group) and report its own ids.
func TestCommitGroupOfNewConversations(t *testing.T) {
	t.Parallel()
	s := openFresh(t)
	ctx := context.Background()
	const n = 5
	cs := make([]bot.Change, n)
	for i := range cs {
		cs[i] = groupMessage(newChat(fmt.Sprint("new-", n-i)), fmt.Sprint("p", i))
	}
	outs, errs := s.commitGroup(ctx, cs)
	seen := map[int64]bool{}
	for i, c := range cs {
		if errs[i] != nil {
			t.Fatalf("change %d: %v", i, errs[i])
		}
		conv, err := s.Conversation(ctx, "test", c.Conversation.ChatID)
		if err != nil || conv.ID != outs[i].ConvID || seen[conv.ID] || outs[i].Version != 1 {
			t.Fatalf("change %d reported conversation %d v%d, stored %d (%v)", i, outs[i].ConvID, outs[i].Version, conv.ID, err)
		}
		seen[conv.ID] = true
		tr, err := s.Transcript(ctx, conv.ID, 0, 10)
		if err != nil || len(tr) != 2 || tr[0].Text != c.Inbound.Text || tr[1].Text != c.Out[0].Reply.Text {
			t.Fatalf("conversation %s holds %+v (%v), want its own message and reply", c.Conversation.ChatID, tr, err)
		}
	}
	items, err := s.ClaimOutbox(ctx, []string{"test"}, time.Now(), time.Minute, 10)
	if err != nil || len(items) != n {
		t.Fatalf("claimed %d replies (%v), want %d", len(items), err, n)
	}
	for _, it := range items {
		var owner int64
		for i := range cs {
			if outs[i].OutboxIDs[0] == it.ID {
				owner = outs[i].ConvID
			}
		}
		if owner != it.ConvID {
			t.Errorf("outbox %d belongs to conversation %d, reported for %d", it.ID, it.ConvID, owner)
		}
	}
}

// When the server refuses a group, each change is committed alone: the
// refused one gets its own error and leaves nothing behind, the others
// are stored as if they had come one by one.
func TestCommitGroupIsolatesARefusedChange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		refused func(t *testing.T, s *Store) bot.Change // stores what makes it fail, returns it
		want    error
	}{
		{"redelivered inbound", func(t *testing.T, s *Store) bot.Change {
			return groupMessage(commitAlone(t, s, newChat("dup"), "dup-1"), "dup-1") // the same platform id again
		}, bot.ErrDuplicate},
		{"stale version", func(t *testing.T, s *Store) bot.Change {
			v1 := commitAlone(t, s, newChat("stale"), "stale-1")
			commitAlone(t, s, v1, "stale-2")
			return groupMessage(v1, "stale-3") // decided on version 1, now 2
		}, bot.ErrConflict},
		{"conversation created elsewhere", func(t *testing.T, s *Store) bot.Change {
			commitAlone(t, s, newChat("twice"), "twice-1")
			return groupMessage(newChat("twice"), "twice-2") // creates it again
		}, bot.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := openFresh(t)
			ctx := context.Background()
			refused := tt.refused(t, s)
			before, _ := s.PendingOutbox(ctx, "test")
			cs := []bot.Change{
				groupMessage(newChat("a"), "a-1"),
				refused,
				groupMessage(newChat("b"), "b-1"),
			}
			outs, errs := s.commitGroup(ctx, cs)
			if !errors.Is(errs[1], tt.want) {
				t.Fatalf("refused change: %v, want %v", errs[1], tt.want)
			}
			for _, i := range []int{0, 2} {
				if errs[i] != nil {
					t.Fatalf("change %d failed with the refused one: %v", i, errs[i])
				}
				tr, err := s.Transcript(ctx, outs[i].ConvID, 0, 10)
				if err != nil || len(tr) != 2 {
					t.Fatalf("change %d: transcript %+v (%v)", i, tr, err)
				}
			}
			if after, _ := s.PendingOutbox(ctx, "test"); after != before+2 {
				t.Errorf("%d replies queued, want %d: the refused change must queue nothing", after-before, 2)
			}
		})
	}
}

// Reads of several chats share a batch; a chat whose row cannot be read
// fails alone.
func TestReadGroupFailsPerKey(t *testing.T) {
	t.Parallel()
	s := openFresh(t)
	ctx := context.Background()
	for _, chat := range []string{"ok-1", "broken", "ok-2"} {
		commitAlone(t, s, newChat(chat), chat)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE conversations SET caps = 'not json' WHERE chat_id = 'broken'`); err != nil {
		t.Fatal(err)
	}
	ks := []chatKey{{"test", "ok-1", "ok-1"}, {"test", "broken", "broken"}, {"test", "ok-2", "ok-2"}, {"test", "none", "none"}}
	outs, errs := s.loadGroup(ctx, ks)
	if errs[1] == nil {
		t.Error("the broken row read without error")
	}
	for _, i := range []int{0, 2} {
		if errs[i] != nil || !outs[i].ConversationFound || !outs[i].ContactFound || outs[i].Conversation.ChatID != ks[i].chatID {
			t.Errorf("chat %s: %+v (%v), want it found despite the broken one", ks[i].chatID, outs[i], errs[i])
		}
	}
	if errs[3] != nil || outs[3].ConversationFound || outs[3].ContactFound {
		t.Errorf("unknown chat: %+v (%v), want not found and no error", outs[3], errs[3])
	}
}

// Delivery results of several calls share a transaction; a call the
// server refuses fails alone.
func TestMarkGroupFailsPerCall(t *testing.T) {
	t.Parallel()
	s := openFresh(t)
	ctx := context.Background()
	for _, chat := range []string{"m-1", "m-2"} {
		commitAlone(t, s, newChat(chat), chat)
	}
	items, err := s.ClaimOutbox(ctx, []string{"test"}, time.Now(), time.Minute, 10)
	if err != nil || len(items) != 2 {
		t.Fatalf("claimed %d (%v)", len(items), err)
	}
	now := time.Now()
	_, errs := s.markGroup(ctx, [][]bot.DeliveryResult{
		{{ID: items[0].ID, Sent: true, PlatformID: "ok", At: now}},
		{{ID: items[1].ID, Sent: true, PlatformID: "bad \xff", At: now}}, // not UTF-8: the server refuses it
	})
	if errs[0] != nil || errs[1] == nil {
		t.Fatalf("errors %v, want only the second call refused", errs)
	}
	if p, _ := s.PendingOutbox(ctx, "test"); p != 1 {
		t.Errorf("%d pending, want 1: the first call's send must be recorded", p)
	}
}
