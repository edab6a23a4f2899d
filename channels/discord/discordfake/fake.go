// Package discordfake is an in-process Discord for tests: the REST routes a
// gateway bot uses (/api/v*/gateway, channel messages, interaction
// callbacks) and a gateway websocket that does the real handshake (HELLO,
// IDENTIFY or RESUME, READY or RESUMED, heartbeats) and pushes
// MESSAGE_CREATE and INTERACTION_CREATE dispatches on demand.
package discordfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Identity of the fake's bot.
const (
	BotID       = "900000000000000001"
	BotUsername = "hexfit"
	AppID       = "900000000000000002"
)

// IntentMessageContent is the privileged intent bit for message content.
const IntentMessageContent = 1 << 15

// Sent is one message the bot created.
type Sent struct {
	ID              string
	ChannelID       string
	Content         string
	Components      []Row
	AllowedMentions *AllowedMentions
}

// Buttons flattens the action rows.
func (s Sent) Buttons() []Button {
	var out []Button
	for _, r := range s.Components {
		out = append(out, r.Components...)
	}
	return out
}

// Ack is one interaction callback.
type Ack struct {
	InteractionID string
	Type          int // 6: DEFERRED_UPDATE_MESSAGE
}

// Failure is an error response for the next matching REST call.
type Failure struct {
	Status     int
	Code       int     // Discord JSON error code
	Message    string  // Discord error message
	RetryAfter float64 // seconds, for 429
}

// RateLimited is the 429 Discord returns.
func RateLimited(seconds float64) Failure {
	return Failure{Status: 429, Message: "You are being rate limited.", RetryAfter: seconds}
}

// Server is a fake Discord; its methods are safe for concurrent use.
type Server struct {
	URL   string // REST base URL to configure as the API URL
	token string
	srv   *httptest.Server
	hb    int // heartbeat interval, ms

	mu           sync.Mutex
	changed      chan struct{}
	next         int64
	cur          *conn // connection with a live session
	seq          int64
	session      string
	identifies   int
	resumes      int
	intents      int
	sent         []Sent
	acks         []Ack
	interactions map[string]string // id -> token, awaiting a callback
	failures     map[string][]Failure
	forbidden    map[string]bool
}

type conn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *conn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteJSON(v)
}

// New starts a fake accepting the bot token (without "Bot ").
func New(token string) *Server {
	s := &Server{
		token:        token,
		hb:           1000,
		changed:      make(chan struct{}),
		next:         1_000_000_000_000_000,
		interactions: make(map[string]string),
		failures:     make(map[string][]Failure),
		forbidden:    make(map[string]bool),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server and drops the gateway connection.
func (s *Server) Close() {
	s.Drop()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) id() string {
	s.next++
	return strconv.FormatInt(s.next, 10)
}

// wait blocks until cond (called with s.mu held) holds or ctx ends.
func (s *Server) wait(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok := cond()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("discordfake: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// WaitConnected waits until a gateway session is live (READY or RESUMED
// sent) and returns how many IDENTIFYs and RESUMEs it has seen.
func (s *Server) WaitConnected(ctx context.Context) (identifies, resumes int, err error) {
	err = s.wait(ctx, "a gateway session", func() bool { return s.cur != nil })
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies, s.resumes, err
}

// Intents returns the intents of the last IDENTIFY.
func (s *Server) Intents() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.intents
}

// Drop closes the gateway connection abruptly, as a network failure does.
func (s *Server) Drop() {
	s.mu.Lock()
	c := s.cur
	s.cur = nil
	s.notify()
	s.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
}

// dispatch sends an op 0 event on the live connection.
func (s *Server) dispatch(t string, d any) error {
	s.mu.Lock()
	c := s.cur
	if c == nil {
		s.mu.Unlock()
		return errors.New("discordfake: no gateway connection")
	}
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	return c.write(payload{Op: 0, S: &seq, T: t, D: d})
}

// NewID returns a fresh snowflake.
func (s *Server) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id()
}

// MessageCreate dispatches m (filling id and timestamp when empty) and
// returns its id.
func (s *Server) MessageCreate(m Message) (string, error) {
	if m.ID == "" {
		m.ID = s.NewID()
	}
	if m.Timestamp == "" {
		m.Timestamp = time.Now().UTC().Format(time.RFC3339Nano)
	}
	if m.Mentions == nil {
		m.Mentions = []User{}
	}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	return m.ID, s.dispatch("MESSAGE_CREATE", m)
}

// DM dispatches a direct message from user in DM channel channelID.
func (s *Server) DM(channelID string, from User, content string) (string, error) {
	return s.MessageCreate(Message{ChannelID: channelID, Author: from, Content: content})
}

// Mention dispatches a guild message that mentions the bot ("<@id> text").
func (s *Server) Mention(guildID, channelID string, from User, text string) (string, error) {
	return s.MessageCreate(Message{GuildID: guildID, ChannelID: channelID, Author: from,
		Content: "<@" + BotID + "> " + text, Mentions: []User{{ID: BotID, Username: BotUsername, Bot: true}}})
}

// Press dispatches a button press (a component interaction) on a message
// in channelID; guildID "" means a DM. It returns the interaction id.
func (s *Server) Press(guildID, channelID string, from User, locale, customID string) (string, error) {
	s.mu.Lock()
	id, token := s.id(), "itoken-"+s.id()
	s.interactions[id] = token
	s.mu.Unlock()
	in := Interaction{ID: id, ApplicationID: AppID, Type: 3, Token: token, Version: 1,
		ChannelID: channelID, GuildID: guildID, Locale: locale,
		Data: InteractionData{CustomID: customID, ComponentType: 2}}
	if guildID == "" {
		in.User = &from
	} else {
		in.Member = &Member{User: from}
	}
	return id, s.dispatch("INTERACTION_CREATE", in)
}

// Fail queues f for the next call of route: "messages" (create message)
// or "callback" (interaction callback).
func (s *Server) Fail(route string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[route] = append(s.failures[route], f)
}

// Forbid makes messages to channelID fail as when a user closed DMs.
func (s *Server) Forbid(channelID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forbidden[channelID] = true
}

// Sent returns the messages created so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// WaitSent waits until at least n messages were created.
func (s *Server) WaitSent(ctx context.Context, n int) ([]Sent, error) {
	err := s.wait(ctx, fmt.Sprintf("%d messages", n), func() bool { return len(s.sent) >= n })
	return s.Sent(), err
}

// Acks returns the interaction callbacks received.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// WaitAcks waits until at least n interaction callbacks arrived.
func (s *Server) WaitAcks(ctx context.Context, n int) ([]Ack, error) {
	err := s.wait(ctx, fmt.Sprintf("%d interaction callbacks", n), func() bool { return len(s.acks) >= n })
	return s.Acks(), err
}

var (
	reAPI      = regexp.MustCompile(`^/api/v\d+(/.*)$`)
	reMessages = regexp.MustCompile(`^/channels/(\d+)/messages$`)
	reCallback = regexp.MustCompile(`^/interactions/(\d+)/([^/]+)/callback$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/gateway") && websocket.IsWebSocketUpgrade(r) {
		s.gateway(w, r)
		return
	}
	m := reAPI.FindStringSubmatch(r.URL.Path)
	if m == nil {
		apiErr(w, Failure{Status: 404, Message: "404: Not Found"})
		return
	}
	path := m[1]
	// Interaction callbacks authenticate with the interaction token in the URL.
	if !reCallback.MatchString(path) && r.Header.Get("Authorization") != "Bot "+s.token {
		apiErr(w, Failure{Status: 401, Message: "401: Unauthorized"})
		return
	}
	switch {
	case r.Method == http.MethodGet && (path == "/gateway" || path == "/gateway/bot"):
		ws := "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway"
		writeJSON(w, 200, map[string]any{"url": ws, "shards": 1,
			"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case r.Method == http.MethodGet && path == "/users/@me":
		writeJSON(w, 200, User{ID: BotID, Username: BotUsername, Bot: true})
	case r.Method == http.MethodPost && reMessages.MatchString(path):
		s.createMessage(w, r, reMessages.FindStringSubmatch(path)[1])
	case r.Method == http.MethodPost && reCallback.MatchString(path):
		sm := reCallback.FindStringSubmatch(path)
		s.callback(w, r, sm[1], sm[2])
	default:
		apiErr(w, Failure{Status: 404, Message: "404: Not Found"})
	}
}

// takeFailure pops the next failure for route.
func (s *Server) takeFailure(route string) (Failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[route]
	if len(q) == 0 {
		return Failure{}, false
	}
	s.failures[route] = q[1:]
	return q[0], true
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request, channelID string) {
	if f, ok := s.takeFailure("messages"); ok {
		apiErr(w, f)
		return
	}
	var body struct {
		Content         string           `json:"content"`
		Components      []Row            `json:"components"`
		AllowedMentions *AllowedMentions `json:"allowed_mentions"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		apiErr(w, Failure{Status: 400, Code: 50109, Message: "The request body contains invalid JSON."})
		return
	}
	if strings.TrimSpace(body.Content) == "" && len(body.Components) == 0 {
		apiErr(w, Failure{Status: 400, Code: 50006, Message: "Cannot send an empty message"})
		return
	}
	if utf8.RuneCountInString(body.Content) > 2000 || !validComponents(body.Components) {
		apiErr(w, Failure{Status: 400, Code: 50035, Message: "Invalid Form Body"})
		return
	}
	s.mu.Lock()
	if s.forbidden[channelID] {
		s.mu.Unlock()
		apiErr(w, Failure{Status: 403, Code: 50007, Message: "Cannot send messages to this user"})
		return
	}
	sent := Sent{ID: s.id(), ChannelID: channelID, Content: body.Content, Components: body.Components, AllowedMentions: body.AllowedMentions}
	s.sent = append(s.sent, sent)
	s.notify()
	s.mu.Unlock()
	writeJSON(w, 200, Message{ID: sent.ID, ChannelID: channelID, Content: body.Content,
		Author: User{ID: BotID, Username: BotUsername, Bot: true}, Timestamp: time.Now().UTC().Format(time.RFC3339Nano),
		Mentions: []User{}, Attachments: []Attachment{}, Components: body.Components})
}

func validComponents(rows []Row) bool {
	if len(rows) > 5 {
		return false
	}
	for _, row := range rows {
		if row.Type != 1 || len(row.Components) == 0 || len(row.Components) > 5 {
			return false
		}
		for _, b := range row.Components {
			n := utf8.RuneCountInString(b.CustomID)
			if b.Type != 2 || b.Style < 1 || b.Style > 5 || utf8.RuneCountInString(b.Label) > 80 ||
				(b.Style != 5 && (n < 1 || n > 100)) {
				return false
			}
		}
	}
	return true
}

func (s *Server) callback(w http.ResponseWriter, r *http.Request, id, token string) {
	if f, ok := s.takeFailure("callback"); ok {
		apiErr(w, f)
		return
	}
	var body struct {
		Type int `json:"type"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
		apiErr(w, Failure{Status: 400, Code: 50109, Message: "The request body contains invalid JSON."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.interactions[id] != token {
		apiErr(w, Failure{Status: 404, Code: 10062, Message: "Unknown interaction"})
		return
	}
	delete(s.interactions, id)
	s.acks = append(s.acks, Ack{InteractionID: id, Type: body.Type})
	s.notify()
	w.WriteHeader(http.StatusNoContent)
}

// gateway runs one websocket connection.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &conn{ws: ws}
	defer func() {
		s.mu.Lock()
		if s.cur == c {
			s.cur = nil
			s.notify()
		}
		s.mu.Unlock()
		ws.Close()
	}()
	if c.write(payload{Op: 10, D: map[string]int{"heartbeat_interval": s.hb}}) != nil {
		return
	}
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var p struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if json.Unmarshal(data, &p) != nil {
			s.closeWith(c, 4002, "Error while decoding payload.")
			return
		}
		switch p.Op {
		case 1:
			if c.write(payload{Op: 11}) != nil {
				return
			}
		case 2:
			if !s.identify(c, p.D) {
				return
			}
		case 6:
			if !s.resume(c, p.D) {
				return
			}
		}
	}
}

func (s *Server) closeWith(c *conn, code int, text string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, text))
}

func (s *Server) identify(c *conn, raw json.RawMessage) bool {
	var id struct {
		Token   string `json:"token"`
		Intents int    `json:"intents"`
	}
	if json.Unmarshal(raw, &id) != nil || id.Token != "Bot "+s.token {
		s.closeWith(c, 4004, "Authentication failed.")
		return false
	}
	s.mu.Lock()
	s.identifies++
	s.intents = id.Intents
	s.session = "session-" + s.id()
	s.seq = 1
	seq := s.seq
	ready := map[string]any{
		"v": 10, "user": User{ID: BotID, Username: BotUsername, Bot: true},
		"session_id": s.session, "resume_gateway_url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway",
		"guilds": []any{}, "private_channels": []any{},
		"application": map[string]any{"id": AppID, "flags": 0},
	}
	s.mu.Unlock()
	if c.write(payload{Op: 0, S: &seq, T: "READY", D: ready}) != nil {
		return false
	}
	s.setCurrent(c)
	return true
}

func (s *Server) resume(c *conn, raw json.RawMessage) bool {
	var rs struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if json.Unmarshal(raw, &rs) != nil || rs.Token != "Bot "+s.token {
		s.closeWith(c, 4004, "Authentication failed.")
		return false
	}
	s.mu.Lock()
	valid := rs.SessionID != "" && rs.SessionID == s.session
	if valid {
		s.resumes++
		s.seq++
	}
	seq := s.seq
	s.mu.Unlock()
	if !valid { // op 9: the client must identify again
		return c.write(payload{Op: 9, D: false}) == nil
	}
	if c.write(payload{Op: 0, S: &seq, T: "RESUMED", D: map[string]any{}}) != nil {
		return false
	}
	s.setCurrent(c)
	return true
}

func (s *Server) setCurrent(c *conn) {
	s.mu.Lock()
	s.cur = c
	s.notify()
	s.mu.Unlock()
}

func apiErr(w http.ResponseWriter, f Failure) {
	body := map[string]any{"message": f.Message, "code": f.Code}
	if f.Status == 429 {
		body = map[string]any{"message": f.Message, "retry_after": f.RetryAfter, "global": false}
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter))))
		w.Header().Set("X-RateLimit-Limit", "5")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset-After", strconv.FormatFloat(f.RetryAfter, 'f', 3, 64))
		w.Header().Set("X-RateLimit-Bucket", "fake-bucket")
		w.Header().Set("X-RateLimit-Scope", "user")
	}
	writeJSON(w, f.Status, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
