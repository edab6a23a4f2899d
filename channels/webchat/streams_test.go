package webchat_test

import (
	"net/http"
	"testing"

	"github.com/hexfit/supportbot/channels/webchat"
)

func streamCaps(perVisitor, max int) envOpt {
	return func(c *webchat.Config) { c.VisitorStreams, c.MaxStreams = perVisitor, max }
}

// One visitor token cannot hold more streams than the cap: the N+1th is
// refused with 429, and a closed stream frees its place.
func TestStreamsPerVisitorCapped(t *testing.T) {
	const n = 3
	e := newEnv(t, streamCaps(n, 100))
	c := e.session(t)
	var open []*stream
	for i := range n {
		s, code := e.open(t, c, "")
		if code != http.StatusOK {
			t.Fatalf("stream %d: status %d, want 200", i+1, code)
		}
		open = append(open, s)
	}
	if _, code := e.open(t, c, ""); code != http.StatusTooManyRequests {
		t.Fatalf("stream %d of one visitor: status %d, want 429", n+1, code)
	}
	other := e.session(t)
	if _, code := e.open(t, other, ""); code != http.StatusOK {
		t.Fatalf("another visitor's stream: status %d, want 200", code)
	}
	open[0].close()
	waitFor(t, "the closed stream's place", func() bool {
		s, code := e.open(t, c, "")
		s.close()
		return code == http.StatusOK
	})
	// The streams within the cap still carry the conversation.
	if code := e.say(t, c, "m1", "hola", ""); code != http.StatusAccepted {
		t.Fatalf("say: %d", code)
	}
	open[n-1].wait(t, "the client's line on a capped visitor's stream", func(ev event) bool { return ev.Text == "hola" })
}

// The process holds at most MaxStreams streams, whoever opens them.
func TestStreamsCappedInAll(t *testing.T) {
	tests := []struct {
		name     string
		visitors []int // streams each visitor opens, all within the cap
		refused  bool  // the next visitor's first stream
	}{
		{"under the cap", []int{1, 1}, false},
		{"at the cap", []int{2, 1}, true},
		{"one visitor fills it", []int{3}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, streamCaps(3, 3))
			for i, k := range tt.visitors {
				c := e.session(t)
				for j := range k {
					if _, code := e.open(t, c, ""); code != http.StatusOK {
						t.Fatalf("visitor %d stream %d: status %d", i, j, code)
					}
				}
			}
			_, code := e.open(t, e.session(t), "")
			if want := map[bool]int{false: http.StatusOK, true: http.StatusTooManyRequests}[tt.refused]; code != want {
				t.Errorf("next visitor's stream: status %d, want %d", code, want)
			}
		})
	}
}
