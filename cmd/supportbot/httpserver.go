package main

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// maxBody is the largest request body the listener accepts (413 beyond):
// the largest any platform sends (Slack's). Each webhook caps its own
// body lower, to what its platform sends.
const maxBody = 256 << 10

// httpLimits are the listener's timeouts and the web chat's stream caps.
type httpLimits struct {
	read, write, idle time.Duration
	visitorStreams    int // 0: the web chat's default
	streams           int
}

// Defaults: a platform sends its webhook at once, a webhook is answered
// well within 30 s (Telegram and Twilio give up after 15 s), and the
// platforms reuse a connection within seconds.
const (
	defaultReadTimeout  = 15 * time.Second
	defaultWriteTimeout = 30 * time.Second
	defaultIdleTimeout  = 60 * time.Second
)

// readHTTPLimits reads SUPPORTBOT_HTTP_*_TIMEOUT and
// SUPPORTBOT_WEBCHAT_*STREAMS.
func readHTTPLimits(e env) (httpLimits, error) {
	l := httpLimits{read: defaultReadTimeout, write: defaultWriteTimeout, idle: defaultIdleTimeout}
	for key, d := range map[string]*time.Duration{"SUPPORTBOT_HTTP_READ_TIMEOUT": &l.read,
		"SUPPORTBOT_HTTP_WRITE_TIMEOUT": &l.write, "SUPPORTBOT_HTTP_IDLE_TIMEOUT": &l.idle} {
		if err := envDuration(e, key, d); err != nil {
			return l, err
		}
	}
	for key, n := range map[string]*int{"SUPPORTBOT_WEBCHAT_VISITOR_STREAMS": &l.visitorStreams,
		"SUPPORTBOT_WEBCHAT_STREAMS": &l.streams} {
		if err := envCount(e, key, n); err != nil {
			return l, err
		}
	}
	return l, nil
}

// envDuration sets *d from a positive duration in key, when set.
func envDuration(e env, key string, d *time.Duration) error {
	v := e.getenv(key)
	if v == "" {
		return nil
	}
	p, err := time.ParseDuration(v)
	if err != nil || p <= 0 {
		return fmt.Errorf("%s=%q: want a positive duration such as 30s: %w", key, v, errUsage)
	}
	*d = p
	return nil
}

// envCount sets *n from a positive integer in key, when set.
func envCount(e env, key string, n *int) error {
	v := e.getenv(key)
	if v == "" {
		return nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p <= 0 {
		return fmt.Errorf("%s=%q: want a positive number: %w", key, v, errUsage)
	}
	*n = p
	return nil
}

// newHTTPServer is the listener's server: bodies capped, a slow request
// cut off after the read timeout, a response after the write timeout
// (the web chat's event streams lift it for themselves), an idle
// keep-alive connection closed after the idle timeout.
func newHTTPServer(h http.Handler, l httpLimits) *http.Server {
	return &http.Server{Handler: limitBody(h), ReadHeaderTimeout: min(10*time.Second, l.read),
		ReadTimeout: l.read, WriteTimeout: l.write, IdleTimeout: l.idle}
}

// limitBody refuses bodies over maxBody with 413 before any handler reads
// them; handlers also read through http.MaxBytesReader.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}
