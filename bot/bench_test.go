package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
)

// signaller is a channel that reports each delivery to the waiting client.
type signaller struct {
	mu    sync.Mutex
	chats map[string]chan struct{}
}

func (s *signaller) Name() string                   { return "bench" }
func (s *signaller) Capabilities() bot.Capabilities { return chatCaps }
func (s *signaller) Send(ctx context.Context, o bot.Outbound) (string, error) {
	s.mu.Lock()
	ch := s.chats[o.ChatID]
	s.mu.Unlock()
	ch <- struct{}{}
	return "x", nil
}

// BenchmarkEndToEnd measures inbound → matched → persisted (one SQLite
// transaction on disk) → reply dispatched through the outbox, with 16 or
// 64 conversations writing at once (a closed loop: each waits for its reply). Reports msgs/s and latency percentiles
// from Handle to the channel's Send. Run with -cpu 2 for the 2-core target.
func BenchmarkEndToEnd(b *testing.B) {
	for _, convs := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("convs=%d", convs), func(b *testing.B) { benchEndToEnd(b, convs) })
	}
}

// benchBot is the system under test: real matcher and content, SQLite on
// disk, the dispatcher running, and a channel that signals each delivery.
type benchBot struct {
	eng *bot.Engine
	sig *signaller
	dir string
}

// walMB is the size of the SQLite write-ahead log: it must stay bounded
// under constant traffic.
func (bb *benchBot) walMB() float64 {
	fi, err := os.Stat(filepath.Join(bb.dir, sqlite.FileName+"-wal"))
	if err != nil {
		return 0
	}
	return float64(fi.Size()) / (1 << 20)
}

func newBenchBot(b *testing.B, convs int) *benchBot {
	b.Helper()
	dir := b.TempDir()
	kb, m, st := realParts(b, dir)
	sig := &signaller{chats: map[string]chan struct{}{}}
	for c := range convs {
		sig.chats[fmt.Sprint("b", c)] = make(chan struct{}, 4)
	}
	quiet := slog.New(slog.DiscardHandler)
	disp, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: []bot.Channel{sig}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: kb, Logger: quiet, Courier: disp,
		Channels: map[string]bot.Capabilities{"bench": chatCaps}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { disp.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	return &benchBot{eng: eng, sig: sig, dir: dir}
}

// script: every step gets exactly one reply and never hands off.
var script = []string{"olvidé mi contraseña", "sí", "my verification code never arrives", "1",
	"j'ai oublié mon mot de passe", "oui", "no me llega el correo", "yes"}

// exchange sends one message and waits for its reply.
func (bb *benchBot) exchange(b *testing.B, chat string, step int, id int64) {
	msg := bot.Message{Channel: "bench", ChatID: chat, ContactID: chat, Text: script[step%len(script)],
		PlatformID: fmt.Sprint(id), Time: time.Now()}
	if err := bb.eng.Handle(context.Background(), msg); err != nil {
		b.Error(err)
		return
	}
	<-bb.sig.chats[chat]
}

func report(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
}

func benchEndToEnd(b *testing.B, convs int) {
	bb := newBenchBot(b, convs)
	var next atomic.Int64
	lat := make([][]time.Duration, convs)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range convs {
		wg.Go(func() {
			chat := fmt.Sprint("b", c)
			for step := 0; ; step++ {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				t0 := time.Now()
				bb.exchange(b, chat, step, i)
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, slices.Concat(lat...), elapsed)
}

// BenchmarkEndToEndAt2000 offers a steady 2,000 messages/s spread over 256
// conversations (an open loop: latency counts from when a message was due,
// so a stall is not hidden by sending less) and reports the rate achieved
// and the latency percentiles. Run with -cpu 2.
func BenchmarkEndToEndAt2000(b *testing.B) {
	const convs, rate = 256, 2000
	bb := newBenchBot(b, convs)
	locks := make([]sync.Mutex, convs)
	steps := make([]int, convs)
	lat := make([]time.Duration, b.N)
	interval := time.Second / rate
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i := range b.N {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		c := i % convs
		wg.Go(func() {
			locks[c].Lock() // one message at a time per conversation, in order
			defer locks[c].Unlock()
			bb.exchange(b, fmt.Sprint("b", c), steps[c], int64(i+1))
			steps[c]++
			lat[i] = time.Since(due)
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	report(b, lat, elapsed)
	b.ReportMetric(bb.walMB(), "wal_MB")
}
