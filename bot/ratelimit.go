package bot

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxContactLimits bounds the token buckets kept in memory (about 200 bytes
// each).
const maxContactLimits = 100_000

// sweepEvery is how often buckets that filled up again are forgotten.
const sweepEvery = time.Minute

// contactLimits keeps one token bucket per contact. A bucket that filled up
// again is the same as a new one, so idle contacts are forgotten; when the
// map is full of active ones, arbitrary buckets are dropped, which only
// lets their contacts burst once more.
//
// The limit is per process: behind a load balancer a contact may send that
// rate to each instance.
type contactLimits struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	max   int
	m     map[string]*contactLimit
	swept time.Time
}

type contactLimit struct {
	lim     *rate.Limiter
	noticed bool // this flood was already told to slow down
}

// newContactLimits returns nil (no limit) when limit is not positive.
func newContactLimits(limit rate.Limit, burst, max int) *contactLimits {
	if limit <= 0 || limit == rate.Inf {
		return nil
	}
	return &contactLimits{limit: limit, burst: burst, max: max, m: map[string]*contactLimit{}}
}

// gate is the rate limit's verdict on one inbound message.
type gate struct {
	limited bool   // store the message, do not answer it
	notice  bool   // the first message of a flood: say why the bot is quiet
	undo    func() // the message was not stored: give its token or notice back
}

// take spends one of key's tokens at now. The caller calls undo when the
// message was not stored after all (a redelivery, a failed commit), so
// retries do not count twice.
func (c *contactLimits) take(key string, now time.Time) gate {
	if c == nil {
		return gate{undo: func() {}}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max || now.Sub(c.swept) >= sweepEvery {
		c.sweep(now)
	}
	e := c.m[key]
	if e == nil {
		e = &contactLimit{lim: rate.NewLimiter(c.limit, c.burst)}
		c.m[key] = e
	}
	r := e.lim.ReserveN(now, 1)
	if r.OK() && r.DelayFrom(now) == 0 {
		e.noticed = false // the flood is over
		return gate{undo: func() { r.CancelAt(now) }}
	}
	r.CancelAt(now)
	if e.noticed {
		return gate{limited: true, undo: func() {}}
	}
	e.noticed = true
	return gate{limited: true, notice: true, undo: func() {
		c.mu.Lock()
		e.noticed = false
		c.mu.Unlock()
	}}
}

// sweep forgets full buckets and, if the map is still over three quarters
// full, arbitrary ones, so a full map is swept at most once per max/4 new
// contacts. c.mu is held.
func (c *contactLimits) sweep(now time.Time) {
	c.swept = now
	full := float64(c.burst)
	for k, e := range c.m {
		if e.lim.TokensAt(now) >= full {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) <= c.max*3/4 {
			break
		}
		delete(c.m, k)
	}
}
