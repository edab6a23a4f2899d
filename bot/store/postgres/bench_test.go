package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// The benchmarks measure what one inbound message costs the database:
// its Commit (the first message of a chat, and a later one), then
// claiming its reply and marking it sent. Concurrency is 16 goroutines
// per CPU (as with many webhook requests in flight); msgs/s is the
// throughput across them:
//
//	go test -run '^$' -bench . -benchtime 5000x ./bot/store/postgres/

var benchRun atomic.Int64 // keeps chat ids unique across benchmark rounds

func benchMessage(c bot.Conversation, pid string) bot.Change {
	return bot.Change{Conversation: c, At: time.Now(),
		Contact: &bot.Contact{Channel: c.Channel, ContactID: c.ChatID, Lang: bot.Lang("es"), Audience: bot.Client},
		Inbound: &bot.Entry{Kind: bot.KindClient, Author: c.ChatID, Text: "olvidé mi contraseña", PlatformID: pid,
			Intent: bot.Intent("forgot_password"), Lang: bot.Lang("es"), Verdict: bot.VerdictAnswer, Confidence: 0.9, At: time.Now()},
		Out: []bot.Outbound{{Channel: c.Channel, ChatID: c.ChatID, Lang: bot.Lang("es"), Kind: bot.KindBot,
			Reply: bot.Reply{Text: "Para restablecer tu contraseña…", Buttons: []bot.Button{{Label: "Sí", Payload: "yes"}}}}}}
}

func reportRate(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkCommitNewChat: every message opens a conversation.
func BenchmarkCommitNewChat(b *testing.B) {
	s := openFresh(b)
	run := benchRun.Add(1)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			c := bot.Conversation{Channel: "telegram", ChatID: fmt.Sprint(run, "-", i), State: bot.StateBot}
			if _, err := s.Commit(context.Background(), benchMessage(c, fmt.Sprint(run, "-", i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, start)
}

// BenchmarkCommitExistingChat: messages to 1,000 existing conversations,
// each goroutine keeping its conversations' versions as the engine's
// cache does.
func BenchmarkCommitExistingChat(b *testing.B) {
	s := openFresh(b)
	run := benchRun.Add(1)
	var g, n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		me := g.Add(1)
		convs := map[int]bot.Conversation{}
		k := 0
		for pb.Next() {
			k = (k + 1) % 30
			c, ok := convs[k]
			if !ok {
				c = bot.Conversation{Channel: "telegram", ChatID: fmt.Sprint(run, "-", me, "-", k), State: bot.StateBot}
			}
			res, err := s.Commit(context.Background(), benchMessage(c, fmt.Sprint(run, "-", n.Add(1))))
			if err != nil {
				b.Error(err)
				return
			}
			c.ID, c.Version = res.ConvID, res.Version
			convs[k] = c
		}
	})
	reportRate(b, start)
}

// BenchmarkClaimAndDeliver: the dispatcher side, claiming batches of up
// to 64 replies and marking them sent.
func BenchmarkClaimAndDeliver(b *testing.B) {
	s := openFresh(b)
	run := benchRun.Add(1)
	ctx := context.Background()
	for i := range b.N {
		c := bot.Conversation{Channel: "telegram", ChatID: fmt.Sprint(run, "-", i), State: bot.StateBot}
		if _, err := s.Commit(ctx, benchMessage(c, fmt.Sprint(run, "-", i))); err != nil {
			b.Fatal(err)
		}
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ResetTimer()
	start := time.Now()
	done := make(chan error, 4)
	for range 4 { // dispatchers, as of two instances
		go func() {
			for left.Load() > 0 {
				items, err := s.ClaimOutbox(ctx, []string{"telegram"}, time.Now(), time.Minute, 64)
				if err != nil {
					done <- err
					return
				}
				rs := make([]bot.DeliveryResult, len(items))
				for i, it := range items {
					rs[i] = bot.DeliveryResult{ID: it.ID, Sent: true, PlatformID: fmt.Sprint(it.ID), At: time.Now()}
				}
				if err := s.MarkDelivered(ctx, rs); err != nil {
					done <- err
					return
				}
				left.Add(-int64(len(items)))
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, start)
}
