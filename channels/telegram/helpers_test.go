package telegram

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
)

const testToken = "123456:AAH-secretTokenValue_xyz"

// recorder is a fake bot.Handler that records messages and returns queued
// errors (nil once the queue is empty).
type recorder struct {
	mu     sync.Mutex
	msgs   []bot.Message
	errs   []error
	signal chan struct{}
}

func newRecorder(errs ...error) *recorder {
	return &recorder{errs: errs, signal: make(chan struct{}, 100)}
}

func (r *recorder) Handle(_ context.Context, m bot.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	select {
	case r.signal <- struct{}{}:
	default:
	}
	if len(r.errs) > 0 {
		err := r.errs[0]
		r.errs = r.errs[1:]
		return err
	}
	return nil
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.msgs...)
}

// wait blocks until at least n messages were handled.
func (r *recorder) wait(t *testing.T, n int) []bot.Message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		if m := r.messages(); len(m) >= n {
			return m
		}
		select {
		case <-r.signal:
		case <-timeout:
			t.Fatalf("handler got %d messages, want %d", len(r.messages()), n)
		}
	}
}

// syncBuffer collects log output from concurrent goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type env struct {
	ch   *Channel
	fake *telegramfake.Server
	logs *syncBuffer
}

func newEnv(t *testing.T, mod func(*Config)) env {
	t.Helper()
	fake := telegramfake.New(testToken)
	t.Cleanup(fake.Close)
	logs := &syncBuffer{}
	cfg := Config{
		Token:         testToken,
		APIURL:        fake.URL,
		WebhookSecret: "s3cret_hook-value",
		HTTPClient:    &http.Client{Timeout: 10 * time.Second},
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollTimeout:   time.Second,
		ChatBurst:     10,
	}
	if mod != nil {
		mod(&cfg)
	}
	ch, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return env{ch: ch, fake: fake, logs: logs}
}

// run starts long polling and stops it at cleanup, checking it returned nil.
func (e env) run(t *testing.T, h bot.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ch.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func isRetryAfter(err error) (*bot.RetryAfterError, bool) {
	var ra *bot.RetryAfterError
	ok := errors.As(err, &ra)
	return ra, ok
}
