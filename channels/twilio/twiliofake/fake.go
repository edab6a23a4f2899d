// Package twiliofake is a local stand-in for the Twilio Messages API and a
// signer for inbound webhooks, for tests that drive the real twilio-go SDK
// without the internet.
//
// The server speaks the real protocol: POST
// /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth and a
// form body, answering 201 with the Message resource JSON or an error
// status with Twilio's error JSON ({"code":…,"message":…,"more_info":…,
// "status":…}).
package twiliofake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Message is one message the fake accepted.
type Message struct {
	Sid        string
	AccountSid string
	From       string
	To         string
	Body       string
	Time       time.Time
}

// Failure is a scripted error answer.
type Failure struct {
	Status     int    // HTTP status, e.g. 429, 400, 503
	Code       int    // Twilio error code, e.g. 20429, 21610, 63016; 0: no JSON body
	RetryAfter string // Retry-After header value, "" for none
}

// Server is the fake Messages API. Its URL is the API base URL to give the
// client; Close it when done.
type Server struct {
	*httptest.Server
	accountSID, authToken string

	mu       sync.Mutex
	msgs     []Message
	failures []Failure
	refuse   map[string]Failure
	requests int
	seq      int
	changed  chan struct{} // closed and replaced whenever msgs grows
}

// New starts a fake for one account.
func New(accountSID, authToken string) *Server {
	s := &Server{
		accountSID: accountSID,
		authToken:  authToken,
		refuse:     map[string]Failure{},
		changed:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", s.createMessage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, Failure{Status: http.StatusNotFound, Code: 20404})
	})
	s.Server = httptest.NewServer(mux)
	return s
}

// FailNext makes the next n create requests fail with f (after the
// failures already queued).
func (s *Server) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, f)
	}
}

// Refuse makes every message to the address to fail with f (e.g. 21610 for
// an unsubscribed number); a zero Failure lifts it.
func (s *Server) Refuse(to string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == (Failure{}) {
		delete(s.refuse, to)
		return
	}
	s.refuse[to] = f
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Requests counts create requests, failed ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// WaitMessages blocks until at least n messages were accepted or ctx ends,
// and returns the messages.
func (s *Server) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := append([]Message(nil), s.msgs...)
			s.mu.Unlock()
			return msgs, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return s.Messages(), fmt.Errorf("twiliofake: waiting for %d messages: %w", n, ctx.Err())
		}
	}
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.accountSID || pass != s.authToken {
		writeError(w, Failure{Status: http.StatusUnauthorized, Code: 20003})
		return
	}
	if r.PathValue("sid") != s.accountSID {
		writeError(w, Failure{Status: http.StatusNotFound, Code: 20404})
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, Failure{Status: http.StatusBadRequest, Code: 20001})
		return
	}
	to, from, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body")

	s.mu.Lock()
	s.requests++
	var fail *Failure
	if len(s.failures) > 0 {
		f := s.failures[0]
		s.failures = s.failures[1:]
		fail = &f
	} else if f, ok := s.refuse[to]; ok {
		fail = &f
	}
	s.mu.Unlock()
	if fail != nil {
		writeError(w, *fail)
		return
	}

	switch {
	case to == "":
		writeError(w, Failure{Status: http.StatusBadRequest, Code: 21604})
		return
	case from == "":
		writeError(w, Failure{Status: http.StatusBadRequest, Code: 21603})
		return
	case body == "" && r.PostForm.Get("MediaUrl") == "":
		writeError(w, Failure{Status: http.StatusBadRequest, Code: 21602})
		return
	case utf8.RuneCountInString(body) > 1600:
		writeError(w, Failure{Status: http.StatusBadRequest, Code: 21617})
		return
	case strings.HasPrefix(to, "whatsapp:") != strings.HasPrefix(from, "whatsapp:"):
		writeError(w, Failure{Status: http.StatusBadRequest, Code: 21910})
		return
	}

	now := time.Now().UTC()
	s.mu.Lock()
	s.seq++
	m := Message{Sid: fmt.Sprintf("SM%032x", s.seq), AccountSid: s.accountSID, From: from, To: to, Body: body, Time: now}
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()

	date := now.Format(time.RFC1123Z)
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", s.accountSID, m.Sid)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"account_sid":           s.accountSID,
		"api_version":           "2010-04-01",
		"body":                  body,
		"date_created":          date,
		"date_sent":             nil,
		"date_updated":          date,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  from,
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.Sid,
		"status":                "queued",
		"subresource_uris":      map[string]string{"media": strings.TrimSuffix(uri, ".json") + "/Media.json"},
		"to":                    to,
		"uri":                   uri,
	})
}

var errorText = map[int]string{
	20001: "Invalid request",
	20003: "Authenticate",
	20404: "The requested resource was not found",
	20429: "Too Many Requests",
	21211: "The 'To' number is not a valid phone number.",
	21602: "Message body is required.",
	21603: "A 'From' phone number is required.",
	21604: "A 'To' phone number is required.",
	21610: "Attempt to send to unsubscribed recipient",
	21617: "The concatenated message body exceeds the 1600 character limit.",
	21910: "Invalid From and To pair. From and To should be of the same channel",
	63016: "Failed to send freeform message because you are outside the allowed window. Please use a Template.",
	63018: "Rate limit exceeded for Channel",
}

func writeError(w http.ResponseWriter, f Failure) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Code == 0 {
		// Not Twilio's JSON: what a proxy or an outage page would send.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.Status, http.StatusText(f.Status))
		return
	}
	msg, ok := errorText[f.Code]
	if !ok {
		msg = "Error " + fmt.Sprint(f.Code)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code":      f.Code,
		"message":   msg,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", f.Code),
		"status":    f.Status,
	})
}
