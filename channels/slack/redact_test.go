package slack

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// TestRedactPurgedThreads: after a purge, the handoff's parent message and
// the bot's copies of the client's messages in its thread are replaced by
// the notice (chat.update at the wire); an agent's own reply is left.
func TestRedactPurgedThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := context.Background()
	e.handOff("5151")
	thread := e.parent().PostedTS
	e.clientSays("5151", "mi número es 600 111 222", "")
	e.fake.waitCalls(t, "chat.postMessage", "client message in the thread", func([]call) bool {
		return len(e.threadPosts(thread)) == 1
	})
	copyTS := e.threadPosts(thread)[0].PostedTS
	rm, err := e.store.Purge(ctx, time.Now().Add(time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rm.DeskThreads) != 1 || rm.DeskThreads[0].TS != thread {
		t.Fatalf("purge found threads %+v, want the handoff's %s", rm.DeskThreads, thread)
	}
	if err := e.app.Redact(ctx, rm.DeskThreads); err != nil {
		t.Fatal(err)
	}
	var updated []string
	for _, c := range e.fake.Calls("chat.update") {
		if c.Text == RemovedNotice {
			updated = append(updated, c.TS)
			if strings.Contains(c.Blocks, "600") || !strings.Contains(c.Blocks, "Content removed") {
				t.Errorf("update of %s carries blocks %s", c.TS, c.Blocks)
			}
		}
	}
	slices.Sort(updated)
	want := []string{thread, copyTS}
	slices.Sort(want)
	if !slices.Equal(updated, want) {
		t.Fatalf("redacted %v, want the parent and the copy %v (not the agent's own reply)", updated, want)
	}
	if err := e.app.Redact(ctx, []bot.DeskThread{}); err != nil {
		t.Fatal(err)
	}
}

func TestRedactSkipsVanishedThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.fake.mu.Lock()
	e.fake.fail["chat.update"] = "message_not_found"
	e.fake.mu.Unlock()
	if err := e.app.Redact(context.Background(), []bot.DeskThread{{HandoffID: 1, Channel: agentsChan, TS: "1.2"}}); err != nil {
		t.Fatalf("a thread deleted by hand: %v", err)
	}
	e.fake.mu.Lock()
	e.fake.fail["chat.update"] = "ratelimited"
	e.fake.mu.Unlock()
	if err := e.app.Redact(context.Background(), []bot.DeskThread{{HandoffID: 1, Channel: agentsChan, TS: "1.2"}}); err == nil {
		t.Fatal("a failed update was not reported")
	}
}
