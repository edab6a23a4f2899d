package twilio

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

// Test credentials: the SDK only accepts alphanumeric ones.
const (
	testSID       = "AC0123456789abcdef0123456789abcdef"
	testToken     = "s3cr3tAuthT0ken0123456789abcdef"
	testPublicURL = "https://bot.example.com"
	testSMSFrom   = "+15005550006"
	testWAFrom    = "+14155238886"
)

// recorder is a bot.Handler that records messages and answers with err.
type recorder struct {
	mu   sync.Mutex
	msgs []bot.Message
	err  error
	// on, when set, runs for each message (as the engine would queue replies).
	on func(bot.Message) error
}

func (r *recorder) Handle(_ context.Context, m bot.Message) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	err, on := r.err, r.on
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if on != nil {
		return on(m)
	}
	return nil
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.msgs...)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type env struct {
	tw    *Twilio
	fake  *twiliofake.Server
	store *MemoryStore
	clock *clock
	logs  *lockedBuffer
}

// newEnv builds both channels against a fresh fake, logging at debug level
// into a buffer the tests inspect.
func newEnv(t testing.TB, mod ...func(*Config)) *env {
	t.Helper()
	fake := twiliofake.New(testSID, testToken)
	t.Cleanup(fake.Close)
	e := &env{
		fake:  fake,
		store: NewMemoryStore(),
		clock: &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
		logs:  &lockedBuffer{},
	}
	cfg := Config{
		AccountSID:   testSID,
		AuthToken:    testToken,
		SMSFrom:      testSMSFrom,
		WhatsAppFrom: testWAFrom,
		PublicURL:    testPublicURL,
		APIURL:       fake.URL,
		HTTPClient:   fake.Client(),
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Store:        e.store,
		Now:          e.clock.Now,
	}
	for _, m := range mod {
		m(&cfg)
	}
	tw, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.tw = tw
	return e
}

// post delivers a signed (or otherwise prepared) webhook request to h and
// returns the response.
func post(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// signed builds a webhook request for form, signed for the configured URL.
func signed(t *testing.T, form url.Values) *http.Request {
	t.Helper()
	req, err := twiliofake.NewSignedRequest(context.Background(),
		"http://127.0.0.1:8080"+WebhookPath, testPublicURL+WebhookPath, testToken, form)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func inbound(from, body string) twiliofake.Inbound {
	to := testSMSFrom
	if len(from) > 9 && from[:9] == "whatsapp:" {
		to = "whatsapp:" + testWAFrom
	}
	return twiliofake.Inbound{AccountSid: testSID, From: from, To: to, Body: body}
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
