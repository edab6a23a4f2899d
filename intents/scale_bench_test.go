package intents

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// scaleFactor makes the synthetic knowledge base of the scale benchmarks
// ten times today's: about 150 intents in 3 languages.
const scaleFactor = 10

// scaledConfig copies every intent of the real knowledge base scaleFactor
// times under new ids. Each copy's phrases and article sentences carry
// their own topic words, so the copies are separate classes with their own
// vocabulary, as another product's articles would be.
func scaledConfig(t testing.TB) Config {
	t.Helper()
	real := realConfig(t)
	out := real
	out.Examples, out.Docs = nil, nil
	for r := range scaleFactor {
		topic := func(s string, i int) string {
			return fmt.Sprintf("%s prod%dx%d item%dq", s, r, i%7, r)
		}
		for i, ex := range real.Examples {
			if r > 0 && ex.Kind != bot.AnswerIntent {
				continue // one greeting, thanks, handoff and out-of-scope class
			}
			ex.Text = topic(ex.Text, i)
			if r > 0 {
				ex.Intent = bot.Intent(fmt.Sprintf("%s_%d", ex.Intent, r))
			}
			out.Examples = append(out.Examples, ex)
		}
		for i, d := range real.Docs {
			if r > 0 && d.Kind != bot.AnswerIntent {
				continue
			}
			d.Text = topic(d.Text, i)
			if r > 0 {
				d.Intent = bot.Intent(fmt.Sprintf("%s_%d", d.Intent, r))
			}
			out.Docs = append(out.Docs, d)
		}
	}
	return out
}

// BenchmarkBuildScale is the index build of a knowledge base ten times
// today's (target: under 300 ms).
func BenchmarkBuildScale(b *testing.B) {
	cfg := scaledConfig(b)
	intents := map[bot.Intent]bool{}
	for _, ex := range cfg.Examples {
		intents[ex.Intent] = true
	}
	b.ReportMetric(float64(len(intents)), "intents")
	b.ReportMetric(float64(len(cfg.Examples)), "phrases")
	b.ResetTimer()
	for range b.N {
		if _, err := New(cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchScale is the p99 of one Match on that knowledge base
// (target: under 100 µs).
func BenchmarkMatchScale(b *testing.B) {
	m, err := New(scaledConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	msgs := append([]string{}, benchMessages...)
	for i := range msgs {
		msgs[i] = strings.TrimSpace(msgs[i] + " prod3x1")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		m.Match(msgs[i%len(msgs)], bot.MatchHints{})
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
}
