package slack

import (
	"net/http"
	"strings"
	"testing"
)

// A client's name is theirs to choose (a web chat visitor types it): in the
// parent message's fallback text, as in its blocks, it must not become a
// Slack mention or link.
func TestParentTextEscapesClientName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
	}{
		{"<!channel>", "&lt;!channel&gt;"},
		{"<@UAGENT1> & <https://evil.example|bank>", "&lt;@UAGENT1&gt; &amp; &lt;https://evil.example|bank&gt;"},
	}
	for i, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			e := newEnv(t, nil)
			e.name = tt.name
			h := e.handOff(itoa(int64(5100 + i)))
			p := e.parent()
			checkEscaped(t, "parent", p, tt.name, tt.want)
			take := blockAction("UAGENT1", agentsChan, p.PostedTS, "", handoffBlock+itoa(h.ID), takeActionID, itoa(h.ID), "Take")
			if code := e.postAction(take); code != http.StatusOK {
				t.Fatalf("take: status %d", code)
			}
			e.idle()
			checkEscaped(t, "update", e.lastUpdate(p.PostedTS), tt.name, tt.want)
		})
	}
}

func checkEscaped(t *testing.T, what string, c call, raw, want string) {
	t.Helper()
	if strings.Contains(c.Text, raw) || !strings.Contains(c.Text, want) {
		t.Errorf("%s text %q: want the name escaped as %q", what, c.Text, want)
	}
	if strings.Contains(c.Blocks, raw) {
		t.Errorf("%s blocks carry the raw name: %s", what, c.Blocks)
	}
}
