package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/channels/twilio"
)

// Short timeouts, so that the tests see them act.
var shortTimeouts = []string{"SUPPORTBOT_HTTP_READ_TIMEOUT=300ms", "SUPPORTBOT_HTTP_WRITE_TIMEOUT=300ms",
	"SUPPORTBOT_HTTP_IDLE_TIMEOUT=300ms"}

// dialRaw opens a TCP connection to serve, closed at the end of the test.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads c until the server closes it and reports how long
// that took; it fails if the server still holds it after limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after %v", limit)
	}
	return time.Since(start)
}

// A client that sends its headers, then its body slowly, is cut off after
// the read timeout; one that keeps an idle keep-alive connection is closed
// after the idle timeout.
func TestServeTimeoutsAtTheWire(t *testing.T) {
	p := startServe(t, shortTimeouts...)
	tests := []struct {
		name string
		send string // what the client writes, then it goes quiet
	}{
		{"slow body", "POST " + twilio.WebhookPath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
			"X-Twilio-Signature: vOEb5UThFn24KEfnOFLQY2AE5FY=\r\nContent-Length: 1000\r\n\r\nBody=slo"},
		{"slow headers", "POST " + twilio.WebhookPath + " HTTP/1.1\r\nHost: x\r\n"},
		{"idle keep-alive", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, p.addr)
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			if d := closedWithin(t, c, 5*time.Second); d < 200*time.Millisecond {
				t.Errorf("closed after %v, before the timeout", d)
			}
		})
	}
	// The listener still serves.
	resp, err := http.Get("http://" + p.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// webSession gets a visitor id and token from the web chat.
func webSession(t *testing.T, addr string) (visitor, token string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/webchat/session", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct{ Visitor, Token string }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("session: %d %v", resp.StatusCode, err)
	}
	return c.Visitor, c.Token
}

// openStream opens the visitor's event stream and returns its status and
// a reader of its lines (nil when refused).
func openStream(t *testing.T, addr, visitor, token string) (int, *bufio.Reader) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/webchat/events?v="+visitor+"&t="+token, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, bufio.NewReader(resp.Body)
}

// One visitor's streams are capped (the N+1th gets 429), and the open ones
// outlive the read and write timeouts: a message sent after both carries on
// the first stream.
func TestServeEventStreams(t *testing.T) {
	const n = 2
	p := startServe(t, append(shortTimeouts, "SUPPORTBOT_WEBCHAT_VISITOR_STREAMS=2")...)
	v, tok := webSession(t, p.addr)
	var first *bufio.Reader
	for i := range n {
		code, r := openStream(t, p.addr, v, tok)
		if code != http.StatusOK {
			t.Fatalf("stream %d: status %d", i+1, code)
		}
		if first == nil {
			first = r
		}
	}
	if code, _ := openStream(t, p.addr, v, tok); code != http.StatusTooManyRequests {
		t.Fatalf("stream %d of one visitor: status %d, want 429", n+1, code)
	}
	time.Sleep(time.Second) // past the read and write timeouts
	body := `{"visitor":"` + v + `","token":"` + tok + `","id":"m1","text":"hola","locale":"es-ES"}`
	resp, err := http.Post("http://"+p.addr+"/webchat/messages", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("message: status %d", resp.StatusCode)
	}
	got := make(chan string, 1)
	go func() {
		for {
			line, err := first.ReadString('\n')
			if err != nil {
				got <- "stream ended: " + err.Error()
				return
			}
			if strings.HasPrefix(line, "data: ") && strings.Contains(line, `"text":"hola"`) {
				got <- ""
				return
			}
		}
	}()
	select {
	case msg := <-got:
		if msg != "" {
			t.Fatal(msg)
		}
	case <-time.After(e2eTimeout):
		t.Fatal("the client's line never came on the stream")
	}
}
