package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Credentials the load test gives the instances and its fake platforms.
// The Twilio SDK only accepts alphanumeric ones.
const (
	ltTelegramToken  = "123456:AAH-loadtestTokenValue_xyz"
	ltTelegramSecret = "loadtest_webhook-secret"
	ltTwilioSID      = "AC00000000000000000000000000000001"
	ltTwilioToken    = "loadtestAuthToken0123456789abcdef"
	ltTwilioFrom     = "+15005550006"
	// ltPublicURL is the address "the load balancer" has: every instance
	// signs and registers its webhooks for it, whichever one a request hits.
	ltPublicURL = "https://bot.loadtest.invalid"
)

// faultMode is what a fake platform answers send requests with for a while.
type faultMode int32

const (
	faultOff faultMode = iota
	fault429
	fault500
)

// chatLog is what the fakes received for one chat: one entry per message
// the bot sent, in arrival order.
type chatLog struct {
	times   []time.Time
	texts   []string      // the text of each message, to explain duplicates
	markup  string        // reply_markup of the latest Telegram message
	changed chan struct{} // closed and replaced whenever times grows
}

// ltPlatforms is a minimal, fast stand-in for the Telegram Bot API and the
// Twilio Messages API on loopback. It speaks the real wire formats (the
// instances use the real SDKs against it) but keeps only per-chat arrival
// times, so that recording stays O(1) per send under load; the richer
// telegramfake and twiliofake keep every message in one slice.
type ltPlatforms struct {
	srv *http.Server
	url string

	fault      atomic.Int32 // faultMode
	faulted    atomic.Int64 // send requests refused by the fault
	sends      atomic.Int64 // messages accepted
	callbacks  atomic.Int64 // answerCallbackQuery calls
	webhookSet atomic.Int64 // setWebhook calls
	conns      atomic.Int64 // connections the instances opened

	mu    sync.Mutex
	chats map[string]*chatLog // "telegram:<chat id>" or "sms:<number>"
	seq   int64
}

func startLtPlatforms() (*ltPlatforms, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loadtest: fake platforms: %w", err)
	}
	p := &ltPlatforms{chats: map[string]*chatLog{}, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/bot"+ltTelegramToken+"/{method}", p.telegram)
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", p.twilio)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateNew {
				p.conns.Add(1)
			}
		}}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *ltPlatforms) close() { _ = p.srv.Close() }

func (p *ltPlatforms) log(key string) *chatLog {
	c := p.chats[key]
	if c == nil {
		c = &chatLog{changed: make(chan struct{})}
		p.chats[key] = c
	}
	return c
}

// record notes one message sent to the chat key.
func (p *ltPlatforms) record(key, text, markup string) int64 {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.log(key)
	c.times = append(c.times, now)
	c.texts = append(c.texts, text)
	if markup != "" {
		c.markup = markup
	}
	close(c.changed)
	c.changed = make(chan struct{})
	p.seq++
	p.sends.Add(1)
	return p.seq
}

// state returns how many messages chat key received, the arrival time of
// the n-th (1-based, zero when not yet), the latest markup and a channel
// closed at the next arrival.
func (p *ltPlatforms) state(key string, n int) (count int, at time.Time, markup string, changed <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.log(key)
	if n >= 1 && n <= len(c.times) {
		at = c.times[n-1]
	}
	return len(c.times), at, c.markup, c.changed
}

// resent counts, per chat, the messages first accepted in [from, to) that
// arrived again, with the same text, at or after again: a sender killed
// between the platform accepting a message and recording that it did
// cannot know, and sends it once more (at least once).
func (p *ltPlatforms) resent(from, to, again time.Time) map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, c := range p.chats {
		later := map[string]int{}
		for i, at := range c.times {
			if !at.Before(again) {
				later[c.texts[i]]++
			}
		}
		for i, at := range c.times {
			if !at.Before(from) && at.Before(to) && later[c.texts[i]] > 0 {
				later[c.texts[i]]--
				out[k]++
			}
		}
	}
	return out
}

// counts returns the number of messages per chat.
func (p *ltPlatforms) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.chats))
	for k, c := range p.chats {
		out[k] = len(c.times)
	}
	return out
}

func (p *ltPlatforms) telegram(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		tgError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return
	}
	switch method {
	case "setWebhook", "deleteWebhook":
		p.webhookSet.Add(1)
		tgOK(w, true)
	case "getMe":
		tgOK(w, map[string]any{"id": 1000, "is_bot": true, "first_name": "Hexfit", "username": "hexfit_bot"})
	case "answerCallbackQuery":
		p.callbacks.Add(1)
		tgOK(w, true)
	case "sendMessage":
		switch faultMode(p.fault.Load()) {
		case fault429:
			p.faulted.Add(1)
			tgError(w, http.StatusTooManyRequests, "Too Many Requests: retry after 1", 1)
			return
		case fault500:
			p.faulted.Add(1)
			tgError(w, http.StatusInternalServerError, "Internal Server Error", 0)
			return
		}
		chat := r.FormValue("chat_id")
		id, err := strconv.ParseInt(chat, 10, 64)
		if err != nil || strings.TrimSpace(r.FormValue("text")) == "" {
			tgError(w, http.StatusBadRequest, "Bad Request: chat not found or empty text", 0)
			return
		}
		seq := p.record("telegram:"+chat, r.FormValue("text"), r.FormValue("reply_markup"))
		tgOK(w, map[string]any{"message_id": seq, "date": time.Now().Unix(),
			"chat": map[string]any{"id": id, "type": "private"}, "text": r.FormValue("text")})
	default:
		tgError(w, http.StatusNotFound, "Not Found: method not found", 0)
	}
}

func tgOK(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func tgError(w http.ResponseWriter, code int, desc string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		body["parameters"] = map[string]int{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

func (p *ltPlatforms) twilio(w http.ResponseWriter, r *http.Request) {
	if user, pass, ok := r.BasicAuth(); !ok || user != ltTwilioSID || pass != ltTwilioToken || r.PathValue("sid") != ltTwilioSID {
		twError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	switch faultMode(p.fault.Load()) {
	case fault429:
		p.faulted.Add(1)
		w.Header().Set("Retry-After", "1")
		twError(w, http.StatusTooManyRequests, 20429, "Too Many Requests")
		return
	case fault500:
		p.faulted.Add(1)
		twError(w, http.StatusInternalServerError, 20500, "Internal Server Error")
		return
	}
	if err := r.ParseForm(); err != nil {
		twError(w, http.StatusBadRequest, 20001, "Invalid request")
		return
	}
	to, from, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body")
	if to == "" || from == "" || body == "" {
		twError(w, http.StatusBadRequest, 21602, "Message body is required")
		return
	}
	seq := p.record("sms:"+to, body, "")
	sid := fmt.Sprintf("SM%032x", seq)
	now := time.Now().UTC().Format(time.RFC1123Z)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"account_sid": ltTwilioSID, "api_version": "2010-04-01", "body": body, "date_created": now,
		"date_updated": now, "direction": "outbound-api", "from": from, "num_media": "0", "num_segments": "1",
		"sid": sid, "status": "queued", "to": to,
		"uri": "/2010-04-01/Accounts/" + ltTwilioSID + "/Messages/" + sid + ".json",
	})
}

func twError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}
