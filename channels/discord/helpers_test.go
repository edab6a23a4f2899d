package discord

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
	"github.com/hexfit/supportbot/channels/discord/discordfake"
)

const (
	testToken    = "MTIzNDU2Nzg5.fake.discord-token"
	guildID      = "200000000000000001"
	guildChannel = "300000000000000001"
)

// recorder is a fake bot.Handler recording messages and returning queued
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

// find waits for a message with the given PlatformID.
func (r *recorder) find(t *testing.T, platformID string) bot.Message {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		for _, m := range r.messages() {
			if m.PlatformID == platformID {
				return m
			}
		}
		select {
		case <-r.signal:
		case <-timeout:
			t.Fatalf("no message %s handled; got %+v", platformID, r.messages())
		}
	}
}

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
	fake *discordfake.Server
	logs *syncBuffer
}

func newEnv(t *testing.T, mod func(*Config)) env {
	t.Helper()
	fake := discordfake.New(testToken)
	t.Cleanup(fake.Close)
	logs := &syncBuffer{}
	cfg := Config{
		Token:         testToken,
		APIURL:        fake.URL,
		GuildChannels: []string{guildChannel},
		HTTPClient:    &http.Client{Timeout: 5 * time.Second},
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
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

// run connects the gateway and returns a stop function (also run at
// cleanup) that cancels Run and checks it returned nil.
func (e env) run(t *testing.T, h bot.Handler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ch.Run(ctx, h) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v after cancel, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	if _, _, err := e.fake.WaitConnected(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	return stop
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func isRetryAfter(err error) (*bot.RetryAfterError, bool) {
	var ra *bot.RetryAfterError
	ok := errors.As(err, &ra)
	return ra, ok
}
