package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack/slacktest"

	"github.com/hexfit/supportbot/bot"
)

// scriptedWS is a Socket Mode endpoint: it says hello, then sends the
// envelopes the test pushes and reports the acks it reads.
type scriptedWS struct {
	send chan []byte
	acks chan string
}

func (s *scriptedWS) bind(c slacktest.Customize) {
	c.Handle("/ws", slacktest.Websocket(func(conn *websocket.Conn) {
		if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1}); err != nil {
			return
		}
		done := make(chan struct{})
		defer close(done)
		go func() { // pings keep the client's dead-connection timer happy
			tk := time.NewTicker(50 * time.Millisecond)
			defer tk.Stop()
			for {
				select {
				case <-done:
					return
				case <-tk.C:
					_ = conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second))
				}
			}
		}()
		go func() {
			for {
				var ack struct {
					EnvelopeID string `json:"envelope_id"`
				}
				if err := conn.ReadJSON(&ack); err != nil {
					return
				}
				s.acks <- ack.EnvelopeID
			}
		}()
		for {
			select {
			case msg, ok := <-s.send:
				if !ok {
					return
				}
				if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
					return
				}
			case <-time.After(20 * time.Second):
				return
			}
		}
	}))
}

func envelope(id, typ string, payload []byte, retry int) []byte {
	b, _ := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "payload": json.RawMessage(payload),
		"accepts_response_payload": false, "retry_attempt": retry})
	return b
}

func TestSocketMode(t *testing.T) {
	t.Parallel()
	ws := &scriptedWS{send: make(chan []byte, 8), acks: make(chan string, 8)}
	e := newEnvFake(t, newFakeSlack(t, ws.bind), nil, func(c *Config, _ *bot.Config) { c.AppToken = "xapp-test"; c.SigningSecret = "" })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.app.Run(ctx, e.engine) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	ack := func(want string) {
		t.Helper()
		select {
		case got := <-ws.acks:
			if got != want {
				t.Fatalf("ack %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no ack for %s", want)
		}
	}

	const ts = "1710000300.000100"
	question := eventBody("EvS1", dmEvent("USTAFF", "D5", "I forgot my password", ts, ""))
	ws.send <- envelope("env-1", "events_api", question, 0)
	ack("env-1")
	ws.send <- envelope("env-1b", "events_api", question, 1) // redelivered
	ack("env-1b")
	posts := e.fake.waitCalls(t, "chat.postMessage", "the staff answer", func(cs []call) bool { return len(cs) >= 1 })
	if posts[0].Channel != "D5" || posts[0].ThreadTS != ts {
		t.Errorf("answer in %s/%s", posts[0].Channel, posts[0].ThreadTS)
	}

	ws.send <- envelope("env-2", "interactive",
		blockAction("USTAFF", "D5", posts[0].PostedTS, ts, optionsBlock, optionActionID+"0", bot.PayloadYes, "Yes"), 0)
	ack("env-2")
	posts = e.fake.waitCalls(t, "chat.postMessage", "the thanks", func(cs []call) bool { return len(cs) >= 2 })
	if posts[1].ThreadTS != ts || !strings.Contains(posts[1].Blocks, e.kb.Text(bot.Lang("en"), "feedback_thanks", nil)[:10]) {
		t.Errorf("button answer %+v", posts[1])
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(e.fake.Calls("chat.postMessage")); n != 2 {
		t.Errorf("%d posts, want 2 (the redelivered envelope must not answer twice)", n)
	}
}
