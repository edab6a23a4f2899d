package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	botUser    = "UBOT"
	agentsChan = "CAGENTS"
)

// call is one Web API call the fake Slack recorded.
type call struct {
	Method    string
	Channel   string
	TS        string // chat.update: the message updated
	ThreadTS  string
	User      string // chat.postEphemeral
	Text      string
	Blocks    string // raw Block Kit JSON
	Broadcast bool
	PostedTS  string // chat.postMessage: the ts assigned
}

// fakeSlack is slacktest's server with the methods the app uses
// overridden to record what was sent.
type fakeSlack struct {
	srv *slacktest.Server

	mu      sync.Mutex
	calls   []call
	next    int
	members []string
	fail    map[string]string // method → Slack error to return
}

func newFakeSlack(t *testing.T, bind ...slacktest.Binder) *fakeSlack {
	t.Helper()
	f := &fakeSlack{members: []string{"UAGENT1", "UAGENT2", botUser}, fail: map[string]string{}}
	binders := append([]slacktest.Binder{func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", f.record("chat.postMessage"))
		c.Handle("/chat.update", f.record("chat.update"))
		c.Handle("/chat.postEphemeral", f.record("chat.postEphemeral"))
		c.Handle("/reactions.add", f.record("reactions.add"))
		c.Handle("/conversations.members", f.conversationMembers)
		c.Handle("/conversations.replies", f.conversationReplies)
		c.Handle("/auth.test", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, map[string]any{"ok": true, "user_id": botUser, "bot_id": "BBOT", "team_id": "T1", "user": "hexbot"})
		})
	}}, bind...)
	f.srv = slacktest.NewTestServer(binders...)
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeSlack) record(method string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		if e := f.fail[method]; e != "" {
			f.mu.Unlock()
			writeJSON(w, map[string]any{"ok": false, "error": e})
			return
		}
		c := call{Method: method, Channel: r.Form.Get("channel"), TS: r.Form.Get("ts"), ThreadTS: r.Form.Get("thread_ts"),
			User: r.Form.Get("user"), Text: r.Form.Get("text"), Blocks: r.Form.Get("blocks"),
			Broadcast: r.Form.Get("reply_broadcast") == "true"}
		if method == "chat.postMessage" {
			f.next++
			c.PostedTS = fmt.Sprintf("1700000%03d.%06d", f.next, f.next)
		}
		f.calls = append(f.calls, c)
		f.mu.Unlock()
		switch method {
		case "chat.postMessage":
			writeJSON(w, map[string]any{"ok": true, "channel": c.Channel, "ts": c.PostedTS})
		case "chat.update":
			writeJSON(w, map[string]any{"ok": true, "channel": c.Channel, "ts": c.TS})
		case "chat.postEphemeral":
			writeJSON(w, map[string]any{"ok": true, "message_ts": "1700000000.999999"})
		default:
			writeJSON(w, map[string]any{"ok": true})
		}
	}
}

func (f *fakeSlack) conversationMembers(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.calls = append(f.calls, call{Method: "conversations.members", Channel: r.Form.Get("channel")})
	m := append([]string(nil), f.members...)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "members": m, "response_metadata": map[string]string{"next_cursor": ""}})
}

// conversationReplies answers with a thread as Slack keeps it: the parent,
// the bot's posts in it and one reply an agent typed.
func (f *fakeSlack) conversationReplies(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	ts := r.Form.Get("ts")
	f.mu.Lock()
	f.calls = append(f.calls, call{Method: "conversations.replies", Channel: r.Form.Get("channel"), TS: ts})
	msgs := []map[string]any{{"type": "message", "user": botUser, "ts": ts, "thread_ts": ts, "text": "parent"}}
	for _, c := range f.calls {
		if c.Method == "chat.postMessage" && c.ThreadTS == ts {
			msgs = append(msgs, map[string]any{"type": "message", "user": botUser, "bot_id": "BBOT", "ts": c.PostedTS,
				"thread_ts": ts, "text": c.Text})
		}
	}
	msgs = append(msgs, map[string]any{"type": "message", "user": "UAGENT1", "ts": ts + "1", "thread_ts": ts, "text": "typed by an agent"})
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
}

func (f *fakeSlack) url() string { return f.srv.GetAPIURL() }

// Calls returns the recorded calls of one method ("" for all).
func (f *fakeSlack) Calls(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitCalls waits until pred holds for the calls of method.
func (f *fakeSlack) waitCalls(t *testing.T, method string, what string, pred func([]call) bool) []call {
	t.Helper()
	var cs []call
	waitFor(t, what, func() bool {
		cs = f.Calls(method)
		return pred(cs)
	})
	return cs
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sign returns the Slack signature headers for body at ts.
func sign(secret string, ts time.Time, body []byte) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// eventBody is an Events API callback wrapping inner.
func eventBody(eventID string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
	})
	return b
}

func dmEvent(user, channel, text, ts, thread string) map[string]any {
	ev := map[string]any{"type": "message", "channel": channel, "channel_type": "im", "user": user, "text": text,
		"ts": ts, "event_ts": ts}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return ev
}

func channelMessage(user, channel, text, ts, thread string) map[string]any {
	ev := map[string]any{"type": "message", "channel": channel, "channel_type": "channel", "user": user, "text": text,
		"ts": ts, "event_ts": ts}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return ev
}

func mentionEvent(user, channel, text, ts, thread string) map[string]any {
	ev := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
	if thread != "" {
		ev["thread_ts"] = thread
	}
	return ev
}

// blockAction is a block_actions payload for one button press.
func blockAction(user, channel, msgTS, threadTS, blockID, actionID, value, label string) []byte {
	container := map[string]any{"type": "message", "channel_id": channel, "message_ts": msgTS, "is_ephemeral": false}
	msg := map[string]any{"type": "message", "ts": msgTS}
	if threadTS != "" {
		container["thread_ts"] = threadTS
		msg["thread_ts"] = threadTS
	}
	b, _ := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]any{"id": user, "name": strings.ToLower(user)},
		"api_app_id": "A1", "team": map[string]any{"id": "T1"}, "channel": map[string]any{"id": channel},
		"container": container, "message": msg, "trigger_id": "1.2.3",
		"actions": []map[string]any{{
			"type": "button", "action_id": actionID, "block_id": blockID, "value": value,
			"action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000),
			"text":      map[string]any{"type": "plain_text", "text": label},
		}},
	})
	return b
}

// blockValues lists the (action_id, value) of the buttons in raw blocks.
func blockButtons(t *testing.T, raw string) (ids, values []string) {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		t.Fatalf("blocks %q: %v", raw, err)
	}
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			ids, values = append(ids, e.ActionID), append(values, e.Value)
		}
	}
	return ids, values
}
