package bot_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
)

// crashEnv makes the test binary act as a bot that dies right after
// committing (see TestMain).
const crashEnv = "SUPPORTBOT_TEST_CRASH_DIR"

const crashConvs, crashMsgs = 10, 3

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		os.Exit(crashingBot(dir))
	}
	os.Exit(m.Run())
}

// crashingBot handles messages with no dispatcher running, then dies
// without closing anything: every reply is committed and none is sent.
func crashingBot(dir string) int {
	kb, err := realKB()
	if err != nil {
		return 1
	}
	m, err := realMatcher()
	if err != nil {
		return 1
	}
	st, err := sqlite.OpenDir(context.Background(), dir)
	if err != nil {
		return 1
	}
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: kb,
		Channels: map[string]bot.Capabilities{"test": chatCaps}})
	if err != nil {
		return 1
	}
	texts := []string{"hola", "olvidé mi contraseña", "sí"}
	for c := range crashConvs {
		for i := range crashMsgs {
			msg := bot.Message{Channel: "test", ChatID: fmt.Sprint("c", c), ContactID: "u", Text: texts[i],
				PlatformID: fmt.Sprintf("c%d-m%d", c, i), Time: time.Now()}
			if err := eng.Handle(context.Background(), msg); err != nil {
				return 1
			}
		}
	}
	os.Exit(42) // the crash: after commit, before any send
	return 0
}

func TestCrashAfterCommitSendsOnceAfterRestart(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 42 {
		t.Fatalf("crashing bot: %v, want exit status 42", err)
	}
	ch := &recorder{name: "test", caps: chatCaps}
	restart := func() {
		st, err := sqlite.OpenDir(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		d, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: []bot.Channel{ch}, Poll: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { d.Run(ctx); close(done) }()
		deadline := time.Now().Add(60 * time.Second)
		for {
			n, err := st.PendingOutbox(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		<-done
	}
	restart()
	restart() // a second restart sends nothing again
	seen := map[int64]int{}
	for c := range crashConvs {
		got := ch.sentTo(fmt.Sprint("c", c))
		if len(got) != crashMsgs {
			t.Fatalf("conversation c%d: %d replies, want %d", c, len(got), crashMsgs)
		}
		for i := 1; i < len(got); i++ {
			if got[i].ID < got[i-1].ID {
				t.Fatalf("conversation c%d: replies out of order", c)
			}
		}
		for _, o := range got {
			seen[o.ID]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("outbox %d sent %d times", id, n)
		}
	}
}

func TestDuplicateInboundOneReply(t *testing.T) {
	h := newHarness(t, chatCaps)
	m := h.msg("c", "olvidé mi contraseña", "")
	if err := h.eng.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := h.eng.Handle(context.Background(), m); !errors.Is(err, bot.ErrDuplicate) {
			t.Fatalf("redelivery: %v, want ErrDuplicate", err)
		}
	}
	expect(t, h.replies("c"))
	// Concurrent redeliveries of a new message: one wins.
	m = h.msg("c", "sí", "")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			err := h.eng.Handle(context.Background(), m)
			if err != nil && !errors.Is(err, bot.ErrDuplicate) {
				t.Error(err)
			}
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d deliveries accepted, want 1", ok)
	}
	expect(t, h.replies("c"), h.text(bot.Lang("es"), "feedback_thanks"))
}

func TestThousandConversationsInParallel(t *testing.T) {
	h := newHarness(t, chatCaps)
	const n = 1000
	texts := []string{"olvidé mi contraseña", "sí"}
	var wg sync.WaitGroup
	for c := range n {
		wg.Go(func() {
			for i, text := range texts {
				m := bot.Message{Channel: "test", ChatID: fmt.Sprint("p", c), ContactID: fmt.Sprint("u", c), Text: text,
					PlatformID: fmt.Sprintf("p%d-%d", c, i), Time: time.Now()}
				if err := h.eng.Handle(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	h.drain()
	thanks := h.text(bot.Lang("es"), "feedback_thanks")
	for c := range n {
		got := h.ch.sentTo(fmt.Sprint("p", c))
		if len(got) != 2 {
			t.Fatalf("conversation p%d: %d replies, want 2", c, len(got))
		}
		if got[1].Reply.Text != thanks {
			t.Fatalf("conversation p%d: second reply %q, want the thanks (order or state lost)", c, got[1].Reply.Text)
		}
	}
	rep, err := h.st.Report(context.Background(), h.clock.Now().Add(-time.Hour), 1)
	if err != nil || rep.Conversations != n || rep.ResolvedByBot != n {
		t.Fatalf("report %+v %v", rep, err)
	}
}
