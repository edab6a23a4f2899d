package postgres

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// The chat state (channels/twilio.Store) and Slack thread
// (channels/slack.Threads) methods, shared by two instances and kept
// across a restart.

func TestChatStateSharedAndDurable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := newSchema(t)
	a, b := openURL(t, u), openURL(t, u)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name    string
		do      func() error
		wantOut bool
		wantAt  time.Time
	}{
		{"unknown chat", func() error { return nil }, false, time.Time{}},
		{"stop", func() error { return a.SetOptOut(ctx, "sms", "+1", true) }, true, time.Time{}},
		{"inbound keeps opt-out", func() error { return b.SetLastInbound(ctx, "sms", "+1", t0) }, true, t0},
		{"older inbound does not move back", func() error { return a.SetLastInbound(ctx, "sms", "+1", t0.Add(-time.Hour)) }, true, t0},
		{"start", func() error { return b.SetOptOut(ctx, "sms", "+1", false) }, false, t0},
		{"other chat untouched", func() error { return a.SetOptOut(ctx, "whatsapp", "+1", true) }, false, t0},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for i, s := range []*Store{a, b} {
			out, err := s.OptedOut(ctx, "sms", "+1")
			if err != nil || out != st.wantOut {
				t.Fatalf("%s: instance %d: OptedOut = %v, %v; want %v", st.name, i, out, err, st.wantOut)
			}
			at, err := s.LastInbound(ctx, "sms", "+1")
			if err != nil || !at.Equal(st.wantAt) {
				t.Fatalf("%s: instance %d: LastInbound = %v, %v; want %v", st.name, i, at, err, st.wantAt)
			}
		}
	}
	a.Close()
	b.Close()
	s := openURL(t, u)
	if out, _ := s.OptedOut(ctx, "whatsapp", "+1"); !out {
		t.Error("opt-out lost across restart")
	}
	if at, _ := s.LastInbound(ctx, "sms", "+1"); !at.Equal(t0) {
		t.Errorf("last inbound lost across restart: %v", at)
	}
}

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
	t.Parallel()
	ctx := context.Background()
	u := newSchema(t)
	s := openURL(t, u)
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
	if _, _, _, err := s.SlackThreadByConv(ctx, 987654); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("conversation without thread: %v, want ErrNotFound", err)
	}
	if first, err := s.MarkSlackEvent(ctx, "msg:C:1", time.Now()); err != nil || !first {
		t.Fatalf("first mark: %v %v", first, err)
	}
	s.Close()

	s = openURL(t, u)
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
			if _, err := s.MarkSlackEvent(ctx, "msg:C:4", time.Now()); err != nil { // prunes
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

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(testURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "no_such_schema_here")
	u.RawQuery = q.Encode()
	tests := []struct{ name, url string }{
		{"bad url", "postgres://%zz"},
		{"missing schema", u.String()},
		{"unreachable server", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tt.url)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
		})
	}
}
