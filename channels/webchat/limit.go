package webchat

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiters keeps one token bucket per key (visitor id or client address),
// forgetting keys idle for longer than idleFor so the map stays bounded by
// recent activity.
type limiters struct {
	mu      sync.Mutex
	r       rate.Limit
	burst   int
	m       map[string]*limiterEntry
	swept   time.Time
	idleFor time.Duration
}

type limiterEntry struct {
	l    *rate.Limiter
	seen time.Time
}

func newLimiters(r rate.Limit, burst int) *limiters {
	return &limiters{r: r, burst: burst, m: map[string]*limiterEntry{}, idleFor: 10 * time.Minute}
}

// reserve takes one token for key; when none is left it returns false and
// how long to wait.
func (ls *limiters) reserve(key string, now time.Time) (bool, time.Duration) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if now.Sub(ls.swept) > ls.idleFor {
		for k, e := range ls.m {
			if now.Sub(e.seen) > ls.idleFor {
				delete(ls.m, k)
			}
		}
		ls.swept = now
	}
	e := ls.m[key]
	if e == nil {
		e = &limiterEntry{l: rate.NewLimiter(ls.r, ls.burst)}
		ls.m[key] = e
	}
	e.seen = now
	r := e.l.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}
