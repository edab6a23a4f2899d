// Package telegramfake is an in-process Telegram Bot API server for tests:
// it speaks the real HTTP protocol (/bot<token>/<method>, form or JSON
// parameters, the {"ok":...} envelope), queues updates for getUpdates long
// polling or webhook delivery and records what the bot sends.
package telegramfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// BotID and BotUsername identify the fake's bot in getMe.
const (
	BotID       = 777000
	BotUsername = "hexfit_test_bot"
)

// Sent is one message the bot sent through sendMessage.
type Sent struct {
	MessageID int64
	ChatID    int64
	Text      string
	Markup    *InlineKeyboardMarkup // nil without reply_markup
}

// Buttons flattens the inline keyboard into (label, callback_data) pairs.
func (s Sent) Buttons() []InlineKeyboardButton {
	if s.Markup == nil {
		return nil
	}
	var out []InlineKeyboardButton
	for _, row := range s.Markup.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// Failure is an error envelope the fake returns for the next call of a method.
type Failure struct {
	Code        int
	Description string
	RetryAfter  int // seconds; sets parameters.retry_after
	After       int // let this many calls succeed before failing
}

// TooManyRequests is the flood-control failure Telegram returns.
func TooManyRequests(retryAfter int) Failure {
	return Failure{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// Server is a fake Bot API. Create it with New; all methods are safe for
// concurrent use.
type Server struct {
	URL   string // base URL to configure as the API URL
	token string
	srv   *httptest.Server

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every change
	nextUpdate int64
	nextMsg    int64
	nextQuery  int64
	updates    []Update // not yet confirmed by an offset
	sent       []Sent
	answered   []string
	queries    map[string]bool
	failures   map[string][]Failure
	blocked    map[int64]bool
	calls      map[string]int
	hookURL    string
	hookSecret string
}

// New starts a fake for the bot token. Close it when done.
func New(token string) *Server {
	s := &Server{
		token:      token,
		changed:    make(chan struct{}),
		nextUpdate: 100,
		nextMsg:    1,
		queries:    make(map[string]bool),
		failures:   make(map[string][]Failure),
		blocked:    make(map[int64]bool),
		calls:      make(map[string]int),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// notify wakes long polls and waiters; s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// PushUpdate queues an update (assigning update_id when zero) and returns
// its update_id.
func (s *Server) PushUpdate(u Update) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.UpdateID == 0 {
		s.nextUpdate++
		u.UpdateID = s.nextUpdate
	}
	if q := u.CallbackQuery; q != nil {
		s.queries[q.ID] = true
	}
	s.updates = append(s.updates, u)
	s.notify()
	return u.UpdateID
}

// NewMessage builds an incoming private-chat message from a user.
func (s *Server) NewMessage(chatID int64, from User, text string) *Message {
	s.mu.Lock()
	s.nextMsg++
	id := s.nextMsg
	s.mu.Unlock()
	return &Message{MessageID: id, From: &from, Date: time.Now().Unix(),
		Chat: Chat{ID: chatID, Type: "private"}, Text: text}
}

// PushText queues a private text message and returns its update_id.
func (s *Server) PushText(chatID int64, from User, text string) int64 {
	return s.PushUpdate(Update{Message: s.NewMessage(chatID, from, text)})
}

// PushCallback queues a press of a button carrying data on a message in
// chatID; it returns the update_id and the callback query id.
func (s *Server) PushCallback(chatID int64, from User, data string) (int64, string) {
	s.mu.Lock()
	s.nextQuery++
	qid := strconv.FormatInt(9000000+s.nextQuery, 10)
	s.mu.Unlock()
	msg := s.NewMessage(chatID, User{ID: BotID, IsBot: true, FirstName: "Hexfit", Username: BotUsername}, "…")
	id := s.PushUpdate(Update{CallbackQuery: &CallbackQuery{ID: qid, From: from, Message: msg, ChatInstance: "ci", Data: data}})
	return id, qid
}

// Fail makes a call of method return f: the next one, or the one after
// f.After successful calls. Failures queue up in order.
func (s *Server) Fail(method string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = append(s.failures[method], f)
}

// Block makes sendMessage to chatID fail as when the user blocked the bot.
func (s *Server) Block(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[chatID] = true
}

// Sent returns the messages sent so far.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// WaitSent waits until at least n messages were sent and returns them all.
func (s *Server) WaitSent(ctx context.Context, n int) ([]Sent, error) {
	for {
		s.mu.Lock()
		if len(s.sent) >= n {
			out := append([]Sent(nil), s.sent...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Sent(), fmt.Errorf("telegramfake: waiting for %d sent messages: %w", n, ctx.Err())
		}
	}
}

// Answered returns the callback query ids answered with answerCallbackQuery.
func (s *Server) Answered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.answered...)
}

// WaitAnswered waits until at least n callback queries were answered.
func (s *Server) WaitAnswered(ctx context.Context, n int) ([]string, error) {
	for {
		s.mu.Lock()
		if len(s.answered) >= n {
			out := append([]string(nil), s.answered...)
			s.mu.Unlock()
			return out, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Answered(), fmt.Errorf("telegramfake: waiting for %d callback answers: %w", n, ctx.Err())
		}
	}
}

// Pending returns how many queued updates getUpdates has not confirmed.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// WaitConfirmed waits until getUpdates confirmed every update up to id.
func (s *Server) WaitConfirmed(ctx context.Context, id int64) error {
	for {
		s.mu.Lock()
		done := len(s.updates) == 0 || s.updates[0].UpdateID > id
		ch := s.changed
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("telegramfake: waiting for update %d to be confirmed: %w", id, ctx.Err())
		}
	}
}

// Calls returns how many times method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Webhook returns the URL and secret_token registered with setWebhook.
func (s *Server) Webhook() (url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hookURL, s.hookSecret
}

// Deliver posts u to the registered webhook the way Telegram does (JSON
// body, secret header) and returns the HTTP status.
func (s *Server) Deliver(ctx context.Context, client *http.Client, u Update) (int, error) {
	url, secret := s.Webhook()
	if url == "" {
		return 0, fmt.Errorf("telegramfake: no webhook set")
	}
	body, err := json.Marshal(u)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// serve routes /bot<token>/<method>.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	tok, method, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		writeErr(w, Failure{Code: 404, Description: "Not Found"})
		return
	}
	if tok != s.token {
		writeErr(w, Failure{Code: 401, Description: "Unauthorized"})
		return
	}
	p, err := params(r)
	if err != nil {
		writeErr(w, Failure{Code: 400, Description: "Bad Request: " + err.Error()})
		return
	}
	s.mu.Lock()
	s.calls[method]++
	if q := s.failures[method]; len(q) > 0 {
		if q[0].After > 0 {
			q[0].After--
		} else {
			f := q[0]
			s.failures[method] = q[1:]
			s.notify()
			s.mu.Unlock()
			writeErr(w, f)
			return
		}
	}
	s.mu.Unlock()

	switch method {
	case "getMe":
		writeOK(w, User{ID: BotID, IsBot: true, FirstName: "Hexfit", Username: BotUsername})
	case "getUpdates":
		s.getUpdates(w, r, p)
	case "sendMessage":
		s.sendMessage(w, p)
	case "answerCallbackQuery":
		s.answerCallback(w, p)
	case "setWebhook":
		s.setWebhook(w, p)
	case "deleteWebhook":
		s.mu.Lock()
		s.hookURL, s.hookSecret = "", ""
		s.notify()
		s.mu.Unlock()
		writeOK(w, true)
	default:
		writeErr(w, Failure{Code: 404, Description: "Not Found: method not found"})
	}
}

func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, p map[string]string) {
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	timeout, _ := strconv.Atoi(p["timeout"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if s.hookURL != "" {
			s.mu.Unlock()
			writeErr(w, Failure{Code: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"})
			return
		}
		// An offset confirms every update below it.
		i := 0
		for i < len(s.updates) && s.updates[i].UpdateID < offset {
			i++
		}
		if i > 0 {
			s.updates = s.updates[i:]
			s.notify()
		}
		if len(s.updates) > 0 || timeout <= 0 {
			out := append([]Update{}, s.updates[:min(limit, len(s.updates))]...)
			s.mu.Unlock()
			writeOK(w, out)
			return
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			writeOK(w, []Update{})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) sendMessage(w http.ResponseWriter, p map[string]string) {
	chatID, err := strconv.ParseInt(p["chat_id"], 10, 64)
	if err != nil || chatID == 0 {
		writeErr(w, Failure{Code: 400, Description: "Bad Request: chat not found"})
		return
	}
	text := p["text"]
	if strings.TrimSpace(text) == "" {
		writeErr(w, Failure{Code: 400, Description: "Bad Request: message text is empty"})
		return
	}
	if len(utf16.Encode([]rune(text))) > 4096 {
		writeErr(w, Failure{Code: 400, Description: "Bad Request: message is too long"})
		return
	}
	var markup *InlineKeyboardMarkup
	if raw := p["reply_markup"]; raw != "" {
		markup = new(InlineKeyboardMarkup)
		if err := json.Unmarshal([]byte(raw), markup); err != nil {
			writeErr(w, Failure{Code: 400, Description: "Bad Request: can't parse reply keyboard markup JSON object"})
			return
		}
		for _, row := range markup.InlineKeyboard {
			for _, b := range row {
				if b.Text == "" {
					writeErr(w, Failure{Code: 400, Description: "Bad Request: text buttons are unallowed in the inline keyboard"})
					return
				}
				if n := len(b.CallbackData); n < 1 || n > 64 {
					writeErr(w, Failure{Code: 400, Description: "Bad Request: BUTTON_DATA_INVALID"})
					return
				}
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.blocked[chatID] {
		writeErr(w, Failure{Code: 403, Description: "Forbidden: bot was blocked by the user"})
		return
	}
	s.nextMsg++
	sent := Sent{MessageID: s.nextMsg, ChatID: chatID, Text: text, Markup: markup}
	s.sent = append(s.sent, sent)
	s.notify()
	writeOK(w, Message{MessageID: sent.MessageID, Date: time.Now().Unix(),
		From: &User{ID: BotID, IsBot: true, FirstName: "Hexfit", Username: BotUsername},
		Chat: Chat{ID: chatID, Type: "private"}, Text: text, ReplyMarkup: markup})
}

func (s *Server) answerCallback(w http.ResponseWriter, p map[string]string) {
	id := p["callback_query_id"]
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.queries[id] {
		writeErr(w, Failure{Code: 400, Description: "Bad Request: query is too old and response timeout expired or query ID is invalid"})
		return
	}
	delete(s.queries, id)
	s.answered = append(s.answered, id)
	s.notify()
	writeOK(w, true)
}

func (s *Server) setWebhook(w http.ResponseWriter, p map[string]string) {
	url, secret := p["url"], p["secret_token"]
	if url != "" && !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		writeErr(w, Failure{Code: 400, Description: "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"})
		return
	}
	for _, c := range secret {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') || len(secret) > 256 {
			writeErr(w, Failure{Code: 400, Description: "Bad Request: secret token contains unallowed characters"})
			return
		}
	}
	s.mu.Lock()
	s.hookURL, s.hookSecret = url, secret
	s.notify()
	s.mu.Unlock()
	writeOK(w, true)
}

// params reads method parameters from the query, a form body or a JSON body.
func params(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var raw map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
			return nil, fmt.Errorf("can't parse JSON: %v", err)
		}
		for k, v := range raw {
			var str string
			if json.Unmarshal(v, &str) == nil {
				out[k] = str
			} else {
				out[k] = string(v)
			}
		}
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.Form {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out, nil
}

func writeOK(w http.ResponseWriter, result any) {
	raw, err := json.Marshal(result)
	if err != nil {
		writeErr(w, Failure{Code: 500, Description: "Internal Server Error"})
		return
	}
	writeJSON(w, http.StatusOK, envelope{OK: true, Result: raw})
}

func writeErr(w http.ResponseWriter, f Failure) {
	e := envelope{ErrorCode: f.Code, Description: f.Description}
	if f.RetryAfter > 0 {
		e.Parameters = &struct {
			RetryAfter int `json:"retry_after,omitempty"`
		}{f.RetryAfter}
	}
	writeJSON(w, f.Code, e)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
