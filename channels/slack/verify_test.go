package slack

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRequestVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	msg := eventBody("EvV", dmEvent("USTAFF", "D1", "I forgot my password", "1710000030.000100", ""))
	action := []byte("payload=" + url.QueryEscape(string(blockAction("UAGENT1", agentsChan, "1.1", "", "handoff:1", takeActionID, "1", "Take"))))
	tests := []struct {
		name   string
		target string
		body   []byte
		hdr    http.Header
		want   int
	}{
		{"forged event signature", e.events.URL, msg, sign("not-the-secret", time.Now(), msg), http.StatusUnauthorized},
		{"stale event timestamp", e.events.URL, msg, sign(testSecret, time.Now().Add(-6*time.Minute), msg), http.StatusUnauthorized},
		{"event signed for another body", e.events.URL, append([]byte(" "), msg...), sign(testSecret, time.Now(), msg), http.StatusUnauthorized},
		{"unsigned event", e.events.URL, msg, http.Header{}, http.StatusUnauthorized},
		{"forged interaction", e.actions.URL, action, sign("not-the-secret", time.Now(), action), http.StatusUnauthorized},
		{"stale interaction", e.actions.URL, action, sign(testSecret, time.Now().Add(-10*time.Minute), action), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.post(tt.target, "application/json", tt.body, tt.hdr); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	e.idle()
	if cs := e.fake.Calls(""); len(cs) != 0 {
		t.Errorf("refused requests reached Slack: %+v", cs)
	}
}

func TestURLVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	body := []byte(`{"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`)
	req, _ := http.NewRequest(http.MethodPost, e.events.URL, strings.NewReader(string(body)))
	req.Header = sign(testSecret, time.Now(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("status %d body %q", resp.StatusCode, got)
	}
}

// Bodies are capped to what Slack sends: an unsigned flood is refused on
// its headers, a signed one over the cap on its size, and the longest
// message Slack allows (40,000 characters) still gets through.
func TestRequestSizeCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	flood := []byte(`{"x":"` + strings.Repeat("a", 1<<20) + `"}`)
	longest := eventBody("EvL", dmEvent("USTAFF", "D1", strings.Repeat("€", 40000), "1710000040.000100", ""))
	tests := []struct {
		name string
		body []byte
		hdr  http.Header
		want int
	}{
		{"unsigned 1 MB", flood, http.Header{}, http.StatusUnauthorized},
		{"signed 1 MB", flood, sign(testSecret, time.Now(), flood), http.StatusRequestEntityTooLarge},
		{"signed longest message", longest, sign(testSecret, time.Now(), longest), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := e.post(e.events.URL, "application/json", tt.body, tt.hdr); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}
