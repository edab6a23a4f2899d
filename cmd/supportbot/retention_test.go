package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
)

// TestServeRetention: serve logs its retention and purges an idle
// conversation while it runs.
func TestServeRetention(t *testing.T) {
	p := startServe(t, "SUPPORTBOT_RETENTION=400ms")
	ctx := waitCtx(t)
	user := telegramfake.User{ID: 4711, FirstName: "Ana", LanguageCode: "es"}
	p.tg.PushText(4711, user, "olvidé mi contraseña")
	if _, err := p.tg.WaitSent(ctx, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.logs.String(), `"msg":"retention: purged","conversations":1`) {
		if time.Now().After(deadline) {
			t.Fatalf("no purge logged:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.logs.String(), `"msg":"retention on`) {
		t.Errorf("serve did not log its retention:\n%s", p.logs.String())
	}
}

func TestRetentionSettings(t *testing.T) {
	tests := []struct {
		in    string
		want  time.Duration
		every time.Duration
	}{
		{"", 0, 0}, {"off", 0, 0}, {"90d", 90 * 24 * time.Hour, time.Hour}, {"2h", 2 * time.Hour, 30 * time.Minute},
	}
	for _, tt := range tests {
		got, err := parseRetention(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.want > 0 && (retention{after: got}).every() != tt.every {
			t.Errorf("%q checked every %v, want %v", tt.in, (retention{after: got}).every(), tt.every)
		}
	}
}
