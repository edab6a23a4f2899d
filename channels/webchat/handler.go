package webchat

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hexfit/supportbot/bot"
)

//go:embed static
var static embed.FS

// maxBody bounds a message request; the text limit is checked after decoding.
const maxBody = 16 << 10

// Handler serves the widget under /webchat/: widget.js, demo, session,
// messages (POST) and events (the SSE stream). Inbound messages go to h.
func (c *Channel) Handler(h bot.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /webchat/widget.js", c.serveStatic("static/widget.js", "text/javascript; charset=utf-8"))
	mux.Handle("GET /webchat/demo", c.Demo())
	mux.HandleFunc("POST /webchat/session", c.session)
	mux.HandleFunc("POST /webchat/messages", func(w http.ResponseWriter, r *http.Request) { c.message(w, r, h) })
	mux.HandleFunc("GET /webchat/events", c.events)
	mux.HandleFunc("OPTIONS /webchat/", c.preflight)
	return mux
}

// Demo serves the demo page hosting the widget (mount it at / as well).
func (c *Channel) Demo() http.Handler {
	return c.serveStatic("static/demo.html", "text/html; charset=utf-8")
}

func (c *Channel) serveStatic(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := static.ReadFile(name)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		if strings.HasPrefix(ctype, "text/html") {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
		}
		_, _ = w.Write(b)
	}
}

// checkOrigin allows requests without an Origin header (same-origin GETs,
// non-browser clients), from the server's own origin and from the
// configured sites; it sets the CORS headers for allowed cross-origin ones.
func (c *Channel) checkOrigin(w http.ResponseWriter, r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	n, err := normalizeOrigin(o)
	if err != nil {
		return false
	}
	if host := strings.TrimPrefix(strings.TrimPrefix(n, "https://"), "http://"); strings.EqualFold(host, r.Host) {
		return true
	}
	if !c.origins[n] {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", o)
	w.Header().Add("Vary", "Origin")
	return true
}

// normalizeOrigin lower-cases scheme://host[:port] and refuses anything else.
func normalizeOrigin(o string) (string, error) {
	o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
	scheme, host, ok := strings.Cut(o, "://")
	if !ok || (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", errors.New("want scheme://host[:port]")
	}
	return o, nil
}

func (c *Channel) preflight(w http.ResponseWriter, r *http.Request) {
	if !c.checkOrigin(w, r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
	w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Last-Event-ID")
	w.Header().Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// credentials are what every widget request carries.
type credentials struct {
	Visitor string `json:"visitor"`
	Token   string `json:"token"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

// session returns the caller's credentials when they are valid, else a new
// visitor id and token (rate-limited per client address).
func (c *Channel) session(w http.ResponseWriter, r *http.Request) {
	if !c.checkOrigin(w, r) {
		fail(w, http.StatusForbidden, "origin")
		return
	}
	var in credentials
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		fail(w, http.StatusBadRequest, "bad_request")
		return
	}
	if c.verify(in.Visitor, in.Token) {
		writeJSON(w, http.StatusOK, in)
		return
	}
	if ok, wait := c.sessions.reserve(clientAddr(r), time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		fail(w, http.StatusTooManyRequests, "rate_limited")
		return
	}
	v := newVisitor()
	writeJSON(w, http.StatusOK, credentials{Visitor: v, Token: c.token(v)})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// inbound is one message from the widget.
type inbound struct {
	credentials
	ID      string `json:"id"`      // widget-made id, the dedupe key for retries
	Text    string `json:"text"`    // typed text, or the label of a pressed button
	Payload string `json:"payload"` // button payload, "" when typed
	Name    string `json:"name"`    // display name from the embedding page
	Locale  string `json:"locale"`  // navigator.language or the page's data-lang
}

func (c *Channel) message(w http.ResponseWriter, r *http.Request, h bot.Handler) {
	if !c.checkOrigin(w, r) {
		fail(w, http.StatusForbidden, "origin")
		return
	}
	var in inbound
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&in); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail(w, http.StatusRequestEntityTooLarge, "too_long")
			return
		}
		fail(w, http.StatusBadRequest, "bad_request")
		return
	}
	if !c.verify(in.Visitor, in.Token) {
		fail(w, http.StatusForbidden, "forbidden")
		return
	}
	if utf8.RuneCountInString(in.Text) > c.cfg.MaxText || len(in.Payload) > 64 || utf8.RuneCountInString(in.Name) > 80 ||
		len(in.Locale) > 35 || len(in.ID) > 64 {
		fail(w, http.StatusRequestEntityTooLarge, "too_long")
		return
	}
	if ok, wait := c.visitors.reserve(in.Visitor, time.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		fail(w, http.StatusTooManyRequests, "rate_limited")
		return
	}
	m := bot.Message{
		Channel: Name, ChatID: in.Visitor, ContactID: in.Visitor, DisplayName: strings.TrimSpace(in.Name),
		Text: in.Text, Payload: in.Payload, Locale: in.Locale, Audience: bot.Client, Time: time.Now(),
	}
	if in.ID != "" {
		// Scoped to the visitor so one visitor cannot collide with another's ids.
		m.PlatformID = in.Visitor + ":" + in.ID
	}
	err := h.Handle(r.Context(), m)
	switch {
	case err == nil, errors.Is(err, bot.ErrDuplicate):
	default:
		c.log.Error("webchat: handle message", "err", err)
		fail(w, http.StatusServiceUnavailable, "unavailable")
		return
	}
	// The client's own line (and any reply already committed) shows at once.
	c.hub.wake(in.Visitor)
	writeJSON(w, http.StatusAccepted, map[string]bool{"ok": true})
}

// event is one transcript line as the widget sees it.
type event struct {
	ID      int64        `json:"id"`
	Kind    string       `json:"kind"`
	Author  string       `json:"author,omitempty"` // agent name on agent replies
	Text    string       `json:"text"`
	Buttons []bot.Button `json:"buttons,omitempty"`
	Lang    bot.Lang     `json:"lang,omitempty"`
	At      time.Time    `json:"at"`
}

// visible reports whether the client may see a transcript entry: never
// the agents' internal notes.
func visible(kind string) bool {
	switch kind {
	case bot.KindClient, bot.KindBot, bot.KindAgent, bot.KindNotice, bot.KindCSAT:
		return true
	}
	return false
}

// streamWriteGrace bounds each write to an event stream: the server's
// WriteTimeout is lifted for streams, but a client that stops reading is
// still cut off.
const streamWriteGrace = 10 * time.Second

// events is the SSE stream: every visible entry after the last id the
// widget has (Last-Event-ID on automatic reconnects, ?after= on a reload),
// then new ones as they are committed. Past the caps on open streams (per
// visitor, in all) it answers 429.
func (c *Channel) events(w http.ResponseWriter, r *http.Request) {
	if !c.checkOrigin(w, r) {
		fail(w, http.StatusForbidden, "origin")
		return
	}
	q := r.URL.Query()
	visitor := q.Get("v")
	if !c.verify(visitor, q.Get("t")) {
		fail(w, http.StatusForbidden, "forbidden")
		return
	}
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id
	}
	wake, unsubscribe, ok := c.hub.subscribe(visitor)
	if !ok {
		c.log.Warn("webchat: event stream refused: too many open")
		w.Header().Set("Retry-After", "10")
		fail(w, http.StatusTooManyRequests, "too_many_streams")
		return
	}
	defer unsubscribe()
	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for requests; a stream
	// lives on (the read deadline would cancel its context).
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteGrace))
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Tell EventSource how soon to reconnect after a drop.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	_ = rc.Flush()
	c.stream(r.Context(), w, rc, visitor, after, wake)
}

// stream sends the visitor's new entries whenever woken, and a keep-alive
// on every heartbeat, until the client goes or the channel closes.
func (c *Channel) stream(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, visitor string, after int64, wake <-chan struct{}) {
	tk := time.NewTicker(c.cfg.Heartbeat)
	defer tk.Stop()
	var convID int64
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteGrace))
		var ok bool
		if convID, after, ok = c.sendNew(ctx, w, visitor, convID, after); !ok {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-c.hub.done:
			return
		case <-wake:
		case <-tk.C:
			_ = rc.SetWriteDeadline(time.Now().Add(streamWriteGrace))
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		}
	}
}

// sendNew writes the visible entries after the given id, finding the
// visitor's conversation first if need be; false: end the stream (the
// widget reconnects).
func (c *Channel) sendNew(ctx context.Context, w http.ResponseWriter, visitor string, convID, after int64) (int64, int64, bool) {
	if convID == 0 {
		conv, err := c.cfg.Store.Conversation(ctx, Name, visitor)
		switch {
		case err == nil:
			convID = conv.ID
		case errors.Is(err, bot.ErrNotFound):
			return 0, after, true
		default:
			c.log.Warn("webchat: load conversation", "err", err)
			return 0, after, false
		}
	}
	for {
		es, err := c.cfg.Store.Transcript(ctx, convID, after, 100)
		if err != nil {
			c.log.Warn("webchat: read transcript", "err", err)
			return convID, after, false
		}
		for _, e := range es {
			after = e.ID
			if !visible(e.Kind) {
				continue
			}
			if err := writeEvent(w, e); err != nil {
				return convID, after, false
			}
		}
		if len(es) < 100 {
			return convID, after, true
		}
	}
}

func writeEvent(w http.ResponseWriter, e bot.Entry) error {
	ev := event{ID: e.ID, Kind: e.Kind, Text: e.Text, Buttons: e.Buttons, Lang: e.Lang, At: e.At}
	if e.Kind == bot.KindAgent {
		ev.Author = e.Author
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	// JSON has no raw newlines, so one data line carries the event.
	_, err = fmt.Fprintf(w, "id: %d\nevent: entry\ndata: %s\n\n", e.ID, b)
	return err
}
