package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestChatStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	open := func() *Store {
		t.Helper()
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name    string
		do      func() error
		chat    string
		wantOut bool
		wantAt  time.Time
	}{
		{"unknown chat", func() error { return nil }, "+1", false, time.Time{}},
		{"stop", func() error { return s.SetOptOut(ctx, "sms", "+1", true) }, "+1", true, time.Time{}},
		{"inbound keeps opt-out", func() error { return s.SetLastInbound(ctx, "sms", "+1", t0) }, "+1", true, t0},
		{"older inbound does not move back", func() error { return s.SetLastInbound(ctx, "sms", "+1", t0.Add(-time.Hour)) }, "+1", true, t0},
		{"start", func() error { return s.SetOptOut(ctx, "sms", "+1", false) }, "+1", false, t0},
		{"other chat untouched", func() error { return s.SetOptOut(ctx, "whatsapp", "+1", true) }, "+1", false, t0},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		out, err := s.OptedOut(ctx, "sms", st.chat)
		if err != nil || out != st.wantOut {
			t.Fatalf("%s: OptedOut = %v, %v; want %v", st.name, out, err, st.wantOut)
		}
		at, err := s.LastInbound(ctx, "sms", st.chat)
		if err != nil || !at.Equal(st.wantAt) {
			t.Fatalf("%s: LastInbound = %v, %v; want %v", st.name, at, err, st.wantAt)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open()
	t.Cleanup(func() { s.Close() })
	if out, _ := s.OptedOut(ctx, "whatsapp", "+1"); !out {
		t.Error("opt-out lost across reopen")
	}
	if at, _ := s.LastInbound(ctx, "sms", "+1"); !at.Equal(t0) {
		t.Errorf("last inbound lost across reopen: %v", at)
	}
}
