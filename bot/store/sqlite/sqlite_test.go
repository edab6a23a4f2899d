package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
	"github.com/hexfit/supportbot/bot/store/storetest"
)

func open(t *testing.T) bot.Store {
	t.Helper()
	s, err := sqlite.OpenDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := bot.Conversation{Channel: "test", ChatID: "1", State: bot.StateWaiting}
	if _, err := s.Commit(ctx, bot.Change{Conversation: c}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	got, err := s.Conversation(ctx, "test", "1")
	if err != nil || got.State != bot.StateWaiting {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
}

func TestRejectsURIPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db?mode=memory")); err == nil {
		t.Fatal("path with ? accepted")
	}
}

func TestReleaseLeases(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.OpenDir(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := bot.Conversation{Channel: "test", ChatID: "1", State: bot.StateBot}
	if _, err := s.Commit(ctx, bot.Change{Conversation: c, Out: []bot.Outbound{{Channel: "test", ChatID: "1", Kind: bot.KindBot,
		Reply: bot.Reply{Text: "hi"}}}, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if got, _ := s.ClaimOutbox(ctx, []string{"test"}, now, time.Hour, 10); len(got) != 1 {
		t.Fatalf("claimed %d", len(got))
	}
	if got, _ := s.ClaimOutbox(ctx, []string{"test"}, now, time.Hour, 10); len(got) != 0 {
		t.Fatal("leased row claimed again")
	}
	// The claiming process died; its successor releases the leases.
	if n, _ := s.ReleaseLeases(ctx, []string{"other"}); n != 0 {
		t.Fatalf("released %d leases of another channel", n)
	}
	if n, err := s.ReleaseLeases(ctx, []string{"test"}); err != nil || n != 1 {
		t.Fatalf("released %d, %v", n, err)
	}
	if got, _ := s.ClaimOutbox(ctx, []string{"test"}, now, time.Hour, 10); len(got) != 1 {
		t.Fatal("released row not claimable")
	}
}
