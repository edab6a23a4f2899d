package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// DispatcherConfig wires a Dispatcher. Store and Channels are required.
type DispatcherConfig struct {
	Store    Store
	Channels []Channel
	Desk     AgentDesk // told about undeliverable agent replies; nil: none
	// MaxAttempts before a message is dead-lettered (default 8).
	MaxAttempts int
	// Backoff is the first retry delay, doubled per attempt up to
	// MaxBackoff, with jitter (defaults 1s and 5m).
	Backoff, MaxBackoff time.Duration
	// Poll is how often the outbox is checked without a wake-up (default
	// 500ms): retries fall due, and other processes (the console agent)
	// queue replies.
	Poll time.Duration
	// Lease is how long a claimed message is reserved for this dispatcher
	// (default 15s): a message whose sender died mid-send is sent again once
	// its lease ends. It must exceed SendTimeout.
	Lease time.Duration
	// SendTimeout bounds one Send (default 10s).
	SendTimeout time.Duration
	// Concurrency is how many sends may be in flight (default 64), each for
	// a different conversation.
	Concurrency int
	// Drain is how long Run goes on sending what is due once its ctx ended
	// (default 5s; negative: no drain). Sends still in flight then are
	// cancelled and left due at once, for the next start or another
	// instance.
	Drain    time.Duration
	Observer Observer // measurements; nil: none
	Now      func() time.Time
	Logger   *slog.Logger
}

// Dispatcher sends the outbox through the channels: at least once per
// message and, unless the process dies between a platform accepting a
// message and the store recording it, exactly once; in order within a
// conversation.
type Dispatcher struct {
	cfg      DispatcherConfig
	channels map[string]Channel
	names    []string
	wake     chan struct{} // claim now
	kick     chan struct{} // direct has rows
	log      *slog.Logger
	owner    string // names the leases this dispatcher takes at commit

	mu     sync.Mutex
	direct [][]OutboxItem // leased at commit, waiting to be sent
	behind map[int64]bool // conversations with an unleased reply behind a pending one
}

// NewDispatcher checks cfg and returns a dispatcher; call Run to start it.
func NewDispatcher(cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.Store == nil || len(cfg.Channels) == 0 {
		return nil, errors.New("dispatcher: Store and at least one Channel are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Backoff, time.Second)
	def(&cfg.MaxBackoff, 5*time.Minute)
	def(&cfg.Poll, 500*time.Millisecond)
	def(&cfg.SendTimeout, 10*time.Second)
	def(&cfg.Lease, max(15*time.Second, cfg.SendTimeout+5*time.Second))
	if cfg.Lease <= cfg.SendTimeout {
		return nil, errors.New("dispatcher: Lease must exceed SendTimeout")
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Drain == 0 {
		cfg.Drain = 5 * time.Second
	}
	cfg.Drain = max(cfg.Drain, 0)
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d := &Dispatcher{cfg: cfg, channels: map[string]Channel{}, wake: make(chan struct{}, 1),
		kick: make(chan struct{}, 1), log: cfg.Logger, owner: newOwner(), behind: map[int64]bool{}}
	for _, c := range cfg.Channels {
		if _, dup := d.channels[c.Name()]; dup {
			return nil, fmt.Errorf("dispatcher: channel %q registered twice", c.Name())
		}
		d.channels[c.Name()] = c
		d.names = append(d.names, c.Name())
	}
	return d, nil
}

// Wake asks the dispatcher to look at the outbox now. It never blocks.
func (d *Dispatcher) Wake() { signal(d.wake) }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// abortGrace is how long sends cancelled at the end of the drain have to
// return before their rows are released without them.
const abortGrace = time.Second

// recordTimeout bounds one attempt to record delivery outcomes; failed
// attempts are retried at the next poll.
const recordTimeout = 5 * time.Second

// Run sends until ctx ends, then drains: it goes on claiming and sending
// what is due for up to DispatcherConfig.Drain, returning as soon as
// nothing due is left. Sends still in flight at the end of the drain are
// cancelled and their rows left due at once (not leased), so the next
// start or another instance sends them. It returns nil on a clean stop.
func (d *Dispatcher) Run(ctx context.Context) error {
	results := make(chan DeliveryResult, d.cfg.Concurrency)
	// Sending holds the rows being sent: should recording a result lag
	// past a lease, a re-claimed message is not sent twice by this
	// dispatcher; rows leased at commit wait there behind their
	// conversation's earlier ones.
	sending := newInflight(d.cfg.Lease)
	var wg sync.WaitGroup
	tk := time.NewTicker(d.cfg.Poll)
	defer tk.Stop()
	// Sends outlive ctx until the drain ends, so an accepted message is
	// still recorded as sent.
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	// unrecorded holds outcomes the store could not take (the database is
	// restarting): they are retried at every poll, and their rows stay
	// leased meanwhile. Dropping them would let the lease run out and the
	// sent messages go out a second time.
	var unrecorded []DeliveryResult
	// claim is set when the outbox may hold rows for us to claim.
	claim := true
	start := func(batch []OutboxItem) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.sendInOrder(sendCtx, batch, results)
		}()
	}
	record := func(rs []DeliveryResult) {
		rs = append(unrecorded, rs...)
		unrecorded = nil
		if len(rs) == 0 {
			return
		}
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
		defer cancel()
		if err := d.cfg.Store.MarkDelivered(mctx, rs); err != nil {
			d.log.Error("outbox: record delivery failed, will retry", "err", err, "count", len(rs))
			unrecorded = rs
			return
		}
		now := d.cfg.Now()
		var release []DeliveryResult
		for _, r := range rs {
			conv, next, dropped := sending.done(r, now)
			// A reply queued unleased behind this one may be claimed now.
			if d.wasBehind(conv) {
				claim = true
			}
			if next != nil {
				start(next)
			}
			release = append(release, released(dropped, now)...)
		}
		if len(release) > 0 {
			unrecorded = append(unrecorded, release...) // recorded at the next result or poll
		}
	}
	// abort cancels the sends in flight and records them; sends that
	// ignore cancellation are given up on and their rows released.
	abort := func() {
		cancelSends()
		now := d.cfg.Now()
		for b := d.popDirect(); b != nil; b = d.popDirect() {
			unrecorded = append(unrecorded, released(b, now)...)
		}
		unrecorded = append(unrecorded, released(sending.dropWaiting(), now)...)
		record(nil)
		grace := time.NewTimer(abortGrace)
		defer grace.Stop()
		for sending.sending() > 0 {
			select {
			case r := <-results:
				record(drain(results, []DeliveryResult{r}))
			case <-grace.C:
				now := d.cfg.Now()
				known := map[int64]bool{}
				for _, r := range unrecorded {
					known[r.ID] = true
				}
				var rs []DeliveryResult
				for _, id := range sending.ids() {
					if !known[id] {
						rs = append(rs, DeliveryResult{ID: id, NextAt: now, At: now, Error: "shutdown: send did not return"})
					}
				}
				if len(rs) > 0 {
					d.log.Warn("outbox: sends ignored cancellation at shutdown; their messages are due again", "count", len(rs))
				}
				record(rs)
				return // the stuck goroutines write to the buffered results and end
			}
		}
		wg.Wait()
	}
	claimCtx := ctx
	stopping := ctx.Done()
	var drainEnd <-chan struct{}
	for {
		// Rows leased at commit first: nobody else may send them.
		for sending.sending() < d.cfg.Concurrency && claimCtx.Err() == nil {
			b := d.popDirect()
			if b == nil {
				break
			}
			run, drop := sending.add(b, d.cfg.Now())
			if run != nil {
				start(run)
			}
			unrecorded = append(unrecorded, released(drop, d.cfg.Now())...)
		}
		if claim && sending.sending() < d.cfg.Concurrency && claimCtx.Err() == nil {
			claim = false
			limit := d.cfg.Concurrency - sending.sending()
			items, err := d.cfg.Store.ClaimOutbox(claimCtx, d.names, d.cfg.Now(), d.cfg.Lease, limit)
			if err != nil && claimCtx.Err() == nil {
				d.log.Error("outbox: claim failed", "err", err)
			}
			for _, it := range items {
				if run, _ := sending.add([]OutboxItem{it}, time.Time{}); run != nil {
					start(run)
				}
			}
			// A full claim may have left due rows behind.
			claim = len(items) == limit
			if drainEnd != nil && sending.size() == 0 && len(items) == 0 && !d.hasDirect() {
				record(nil)
				wg.Wait()
				return nil // drained: nothing due is left
			}
		}
		select {
		case <-stopping:
			stopping = nil
			if d.cfg.Drain <= 0 {
				abort()
				return nil
			}
			var stop context.CancelFunc
			claimCtx, stop = context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Drain)
			defer stop()
			drainEnd = claimCtx.Done()
			claim = true
		case <-drainEnd:
			abort()
			return nil
		case <-d.wake:
			claim = true
		case <-d.kick:
		case <-tk.C:
			record(nil) // outcomes the store refused before
			d.forgetBehind(sending.busy)
			claim = len(unrecorded) == 0
		case r := <-results:
			record(drain(results, []DeliveryResult{r}))
			if drainEnd != nil {
				claim = true // until nothing due is left
			}
		}
	}
}

// sendInOrder sends the rows of one conversation one after the other and
// reports each outcome. Once one is not sent, the rest are released: they
// must not overtake it. So are rows whose lease would end mid-send, since
// another process may claim them then.
func (d *Dispatcher) sendInOrder(ctx context.Context, batch []OutboxItem, results chan<- DeliveryResult) {
	release := func(rest []OutboxItem) {
		for _, r := range released(rest, d.cfg.Now()) {
			results <- r
		}
	}
	for i, it := range batch {
		if !it.LeaseUntil.IsZero() && d.cfg.Now().Add(d.cfg.SendTimeout).After(it.LeaseUntil) {
			d.log.Warn("outbox: lease too short to send, left for a claim", "id", it.ID, "channel", it.Channel)
			release(batch[i:])
			return
		}
		r := d.send(ctx, it)
		results <- r
		if !r.Sent {
			release(batch[i+1:])
			return
		}
	}
}

// released is the outcome of rows given back unsent.
func released(items []OutboxItem, now time.Time) []DeliveryResult {
	rs := make([]DeliveryResult, len(items))
	for i, it := range items {
		rs[i] = DeliveryResult{ID: it.ID, Released: true, At: now}
	}
	return rs
}

// drain adds the results already waiting, so they are recorded in one
// transaction.
func drain(ch chan DeliveryResult, rs []DeliveryResult) []DeliveryResult {
	for {
		select {
		case r := <-ch:
			rs = append(rs, r)
		default:
			return rs
		}
	}
}

// send delivers one message and decides what happens next.
func (d *Dispatcher) send(ctx context.Context, it OutboxItem) DeliveryResult {
	now := d.cfg.Now
	r := DeliveryResult{ID: it.ID}
	ch, ok := d.channels[it.Channel]
	if !ok { // claimed only for our channels; kept for safety
		r.Dead, r.Error, r.At = true, "no such channel", now()
		d.cfg.Observer.Sent(it.Channel, "dead", 0)
		return r
	}
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	t0 := time.Now()
	pid, err := ch.Send(sctx, it.Outbound)
	took := time.Since(t0)
	cancel()
	r.At = now()
	if err == nil {
		r.Sent, r.PlatformID = true, pid
		d.cfg.Observer.Sent(it.Channel, "sent", took)
		return r
	}
	r.Error = err.Error()
	if ctx.Err() != nil {
		// Cut short by the end of the drain: due again at once, for the
		// next start or another instance, whatever its attempts.
		r.NextAt = r.At
		d.cfg.Observer.Sent(it.Channel, "retry", took)
		d.log.Info("outbox: send cancelled at shutdown, left due", "id", it.ID, "channel", it.Channel)
		return r
	}
	attempt := it.Attempts + 1
	var ra *RetryAfterError
	switch {
	case errors.Is(err, ErrPermanent), attempt >= d.cfg.MaxAttempts:
		r.Dead = true
		d.log.Warn("outbox: dead letter", "id", it.ID, "channel", it.Channel, "kind", it.Kind, "attempts", attempt, "err", err)
		if d.cfg.Desk != nil {
			if derr := d.cfg.Desk.Undeliverable(ctx, it); derr != nil {
				d.log.Warn("agent desk notification failed", "op", "undeliverable", "err", derr)
			}
		}
	case errors.As(err, &ra) && ra.After > 0:
		r.NextAt = r.At.Add(ra.After)
	default:
		r.NextAt = r.At.Add(d.backoff(attempt))
	}
	if r.Dead {
		d.cfg.Observer.Sent(it.Channel, "dead", took)
	} else {
		d.cfg.Observer.Sent(it.Channel, "retry", took)
		d.log.Info("outbox: send failed, will retry", "id", it.ID, "channel", it.Channel, "attempt", attempt, "next", r.NextAt, "err", err)
	}
	return r
}

// backoff is the delay before retry n (1-based): exponential, capped, with
// "equal jitter" (half fixed, half random) so retries of many messages
// spread out.
func (d *Dispatcher) backoff(n int) time.Duration {
	b := d.cfg.Backoff
	for i := 1; i < n && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.cfg.MaxBackoff)
	half := b / 2
	return half + rand.N(half+1)
}
