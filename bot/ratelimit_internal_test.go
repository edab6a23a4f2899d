package bot

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestContactLimitsStayBounded(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		step     time.Duration // between two new contacts
		contacts int
		max      int
		wantMax  int // most buckets ever kept
	}{
		// Swept every minute: only the last minute's contacts are kept.
		{"idle contacts are forgotten", 10 * time.Second, 1000, 100, 10},
		// All active at once: arbitrary ones are dropped.
		{"active contacts are capped", 0, 1000, 100, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newContactLimits(1, 4, tc.max)
			now, most := t0, 0
			for i := range tc.contacts {
				c.take(fmt.Sprint("u", i), now)
				most = max(most, len(c.m))
				now = now.Add(tc.step)
			}
			if most > tc.wantMax {
				t.Fatalf("%d buckets kept, want at most %d", most, tc.wantMax)
			}
		})
	}
}

func TestContactLimitsSweepKeepsFloods(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	c := newContactLimits(0.1, 2, 1000) // a token every 10 s
	c.take("quiet", t0)
	for range 3 {
		c.take("flood", t0.Add(59*time.Second))
	}
	// The sweep a minute on forgets the idle contact, whose bucket is full
	// again, and keeps the flood, still told once.
	g := c.take("flood", t0.Add(time.Minute))
	if _, ok := c.m["quiet"]; ok {
		t.Fatal("an idle contact's bucket was kept")
	}
	if !g.limited || g.notice {
		t.Fatalf("flood after the sweep: %+v, want limited without a second notice", g)
	}
}

func TestNoContactLimits(t *testing.T) {
	for _, l := range []float64{0, -1} {
		c := newContactLimits(rate.Limit(l), 8, 10)
		if c != nil {
			t.Fatalf("limit %v: got a limiter", l)
		}
		if g := c.take("u", time.Now()); g.limited {
			t.Fatalf("limit %v: limited", l)
		}
	}
}

// BenchmarkContactLimitsTake is the rate limit's cost per inbound message,
// with 10,000 contacts writing in turn.
func BenchmarkContactLimitsTake(b *testing.B) {
	c := newContactLimits(1, 8, maxContactLimits)
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = fmt.Sprint("telegram:", i)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := range b.N {
		c.take(keys[i%len(keys)], now.Add(time.Duration(i)*time.Millisecond))
	}
}
