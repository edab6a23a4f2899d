package telegram

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// failingTransport fails every request, as a dead network does; the SDK
// then returns a *url.Error whose message holds the URL with the token.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: failingTransport{}, Timeout: time.Second}
	})
	_, err := e.ch.Send(testCtx(t), bot.Outbound{ChatID: "1", Reply: bot.Reply{Text: "hola"}})
	if err == nil {
		t.Fatal("Send over a dead network succeeded")
	}
	if !strings.Contains(err.Error(), "<redacted>") {
		t.Errorf("error %q: expected the URL with the token redacted", err)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testToken) {
			t.Errorf("token in error chain: %q", e)
		}
	}
	if _, err := e.ch.Check(testCtx(t)); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("Check err = %v", err)
	}
	if err := e.ch.SetWebhook(testCtx(t), "https://x.example/"); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("SetWebhook err = %v", err)
	}

	// The polling loop logs its failures: the token must not be in them.
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := e.ch.Run(ctx, newRecorder()); err != nil {
		t.Errorf("Run = %v", err)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "get updates failed") {
		t.Errorf("expected logged poll failures, got %q", logs)
	}
	if strings.Contains(logs, testToken) {
		t.Errorf("token in logs: %q", logs)
	}
}

func TestRedact(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"untouched", base, "boom"},
		{"plain message", errors.New("GET /botTOK/x: TOK failed"), "GET /bot<redacted>/x: <redacted> failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := redact(tc.err, "TOK")
			if (got == nil) != (tc.err == nil) || (got != nil && got.Error() != tc.want) {
				t.Errorf("redact = %v, want %q", got, tc.want)
			}
		})
	}
	if !errors.Is(redact(base, "zzz"), base) {
		t.Error("redact broke the chain of an untouched error")
	}
}
