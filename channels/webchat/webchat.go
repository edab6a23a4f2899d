// Package webchat is the browser channel: an embeddable chat widget (one
// <script> tag), a Server-Sent Events transport with reconnect, a message
// endpoint and a demo page. The store's transcript is the source of truth:
// a (re)connecting widget is sent every visible entry after the last id it
// has, and Send only wakes the visitor's open streams.
package webchat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
)

// Name is the channel name stored with web chat conversations.
const Name = "webchat"

// History is what the channel reads from the store to replay a visitor's
// conversation. Both methods may block on I/O; a chat with no conversation
// yet reports bot.ErrNotFound.
type History interface {
	Conversation(ctx context.Context, channel, chatID string) (bot.Conversation, error)
	Transcript(ctx context.Context, convID, afterID int64, limit int) ([]bot.Entry, error)
}

// Config wires a Channel. Store and Secret are required.
type Config struct {
	Store History
	// Secret signs visitor tokens (at least 32 bytes). Keep it stable across
	// restarts (LoadSecret) or visitors lose their conversation.
	Secret []byte
	// Origins are the cross-origin sites allowed to embed the widget, e.g.
	// "https://help.example.com". The server's own origin is always allowed.
	Origins []string
	// MaxText is the longest message accepted, in runes (default 2000).
	MaxText int
	// Rate and Burst limit each visitor's messages (default 1/s, burst 5).
	Rate  rate.Limit
	Burst int
	// SessionRate limits new visitor ids per client address (default 1 per
	// 2s, burst 10).
	SessionRate  rate.Limit
	SessionBurst int
	// Heartbeat is how often an idle stream gets a keep-alive and re-reads
	// the transcript, catching replies queued by another process (default 15s).
	Heartbeat time.Duration
	// VisitorStreams and MaxStreams cap the open event streams of one
	// visitor (a few tabs; default 4) and of the whole process (default
	// 1000); a stream past either cap is refused with 429.
	VisitorStreams int
	MaxStreams     int
	Logger         *slog.Logger
}

// Channel is the web chat bot.Channel and its HTTP endpoints.
type Channel struct {
	cfg      Config
	origins  map[string]bool
	hub      *hub
	visitors *limiters
	sessions *limiters
	log      *slog.Logger
}

var _ bot.Channel = (*Channel)(nil)

// New checks cfg and returns a channel; mount Handler under /webchat/.
func New(cfg Config) (*Channel, error) {
	if cfg.Store == nil {
		return nil, errors.New("webchat: Store is required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("webchat: Secret must be at least 32 bytes")
	}
	if cfg.MaxText <= 0 {
		cfg.MaxText = 2000
	}
	if cfg.Rate <= 0 {
		cfg.Rate, cfg.Burst = 1, 5
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 1
	}
	if cfg.SessionRate <= 0 {
		cfg.SessionRate, cfg.SessionBurst = 0.5, 10
	}
	if cfg.SessionBurst <= 0 {
		cfg.SessionBurst = 1
	}
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 15 * time.Second
	}
	if cfg.VisitorStreams <= 0 {
		cfg.VisitorStreams = 4
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	origins := map[string]bool{}
	for _, o := range cfg.Origins {
		n, err := normalizeOrigin(o)
		if err != nil {
			return nil, fmt.Errorf("webchat: origin %q: %w", o, err)
		}
		origins[n] = true
	}
	return &Channel{
		cfg:      cfg,
		origins:  origins,
		hub:      newHub(cfg.VisitorStreams, cfg.MaxStreams),
		visitors: newLimiters(cfg.Rate, cfg.Burst),
		sessions: newLimiters(cfg.SessionRate, cfg.SessionBurst),
		log:      cfg.Logger,
	}, nil
}

// Name implements bot.Channel.
func (c *Channel) Name() string { return Name }

// Capabilities implements bot.Channel: native buttons, the full answer form
// and light Markdown (the widget renders *bold*, lists and links).
func (c *Channel) Capabilities() bot.Capabilities {
	return bot.Capabilities{Buttons: true, MaxLen: 4000, Markdown: true, Relayable: true}
}

// Send implements bot.Channel. The reply is already in the transcript (the
// store commits it with the outbox row), so delivering means waking the
// visitor's open streams, which read it from there; a visitor with no open
// stream gets it on reconnect. It never fails.
func (c *Channel) Send(_ context.Context, o bot.Outbound) (string, error) {
	c.hub.wake(o.ChatID)
	return "webchat-" + strconv.FormatInt(o.ID, 10), nil
}

// hub tracks the open streams of each visitor, within the caps.
type hub struct {
	mu         sync.Mutex
	subs       map[string]map[chan struct{}]struct{}
	total      int
	perVisitor int           // cap per visitor
	max        int           // cap in all
	done       chan struct{} // closed by Close: every stream ends
	closed     bool
}

func newHub(perVisitor, max int) *hub {
	return &hub{subs: map[string]map[chan struct{}]struct{}{}, perVisitor: perVisitor, max: max, done: make(chan struct{})}
}

// Close ends every open stream (the widgets reconnect to the next server).
// Call it when the HTTP server shuts down (http.Server.RegisterOnShutdown):
// streams never go idle, so Shutdown would otherwise wait for its timeout.
func (c *Channel) Close() {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	if !c.hub.closed {
		c.hub.closed = true
		close(c.hub.done)
	}
}

// subscribe registers a stream; the returned func unregisters it. It
// returns false, registering nothing, when the visitor or the process
// has as many streams open as allowed.
func (h *hub) subscribe(visitor string) (chan struct{}, func(), bool) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total >= h.max || len(h.subs[visitor]) >= h.perVisitor {
		return nil, nil, false
	}
	if h.subs[visitor] == nil {
		h.subs[visitor] = map[chan struct{}]struct{}{}
	}
	h.subs[visitor][ch] = struct{}{}
	h.total++
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[visitor], ch)
		h.total--
		if len(h.subs[visitor]) == 0 {
			delete(h.subs, visitor)
		}
	}, true
}

// wake tells every stream of a visitor to read the transcript; never blocks.
func (h *hub) wake(visitor string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[visitor] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// streams counts a visitor's open streams (tests, metrics).
func (h *hub) streams(visitor string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[visitor])
}
