package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// slackHandoff commits a conversation with one handoff and returns its ids.
func slackHandoff(t *testing.T, s *Store, chat string) (convID, handoffID int64) {
	t.Helper()
	res, err := s.Commit(context.Background(), bot.Change{
		Conversation: bot.Conversation{Channel: "telegram", ChatID: chat, ContactID: chat, State: bot.StateWaiting, Audience: bot.Client},
		Handoff:      &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "requested", Status: bot.HandoffWaiting, Lang: bot.Lang("es")}},
		At:           time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.ConvID, res.HandoffID
}

func TestSlackThreadsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	conv, h1 := slackHandoff(t, s, "1")
	_, h2 := slackHandoff(t, s, "2")
	if err := s.SaveSlackThread(ctx, h1, conv, "CAGENTS", "1700000001.000100"); err != nil {
		t.Fatal(err)
	}
	// Saving again keeps the first thread.
	if err := s.SaveSlackThread(ctx, h1, conv, "CAGENTS", "1700000009.000100"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SlackThreadByHandoff(ctx, h2); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("thread of a handoff never posted: %v, want ErrNotFound", err)
	}
	if _, err := s.SlackHandoffByThread(ctx, "CAGENTS", "1.2"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown thread: %v, want ErrNotFound", err)
	}
	if first, err := s.MarkSlackEvent(ctx, "msg:C:1", time.Now()); err != nil || !first {
		t.Fatalf("first mark: %v %v", first, err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	tests := []struct {
		name string
		got  func() (any, error)
		want any
	}{
		{"by handoff", func() (any, error) { c, ts, err := s.SlackThreadByHandoff(ctx, h1); return c + " " + ts, err }, "CAGENTS 1700000001.000100"},
		{"by thread", func() (any, error) { return s.SlackHandoffByThread(ctx, "CAGENTS", "1700000001.000100") }, h1},
		{"by conversation", func() (any, error) { id, _, ts, err := s.SlackThreadByConv(ctx, conv); return [2]any{id, ts}, err }, [2]any{h1, "1700000001.000100"}},
		{"event seen before restart", func() (any, error) { return s.MarkSlackEvent(ctx, "msg:C:1", time.Now()) }, false},
		{"new event", func() (any, error) { return s.MarkSlackEvent(ctx, "msg:C:2", time.Now()) }, true},
		{"forgotten after a week", func() (any, error) {
			if _, err := s.MarkSlackEvent(ctx, "msg:C:3", time.Now().Add(-8*24*time.Hour)); err != nil {
				return nil, err
			}
			_, err := s.MarkSlackEvent(ctx, "msg:C:4", time.Now()) // prunes
			if err != nil {
				return nil, err
			}
			return s.MarkSlackEvent(ctx, "msg:C:3", time.Now())
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
