package bot

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Courier is the engine's way to the dispatcher of its own process
// (*Dispatcher implements it). Replies a Commit leased to this process are
// handed over directly, which spares the database a claim per reply. Its
// methods never block and may be called before the dispatcher runs.
type Courier interface {
	// Lease is the lease the engine asks for in Change.Lease: this
	// dispatcher's, taken now on its clock (which decides when leases end).
	Lease() Lease
	// Deliver takes the rows of one Commit that the store leased to this
	// dispatcher (Committed.Leased), oldest first. They are sent in that
	// order, after the conversation's earlier rows held here; rows that
	// cannot be sent in order are released to ClaimOutbox.
	Deliver(items []OutboxItem)
	// Queued tells that a Commit queued replies of convID without leasing
	// them, behind an earlier pending reply: they are claimed once that
	// one is sent.
	Queued(convID int64)
}

var _ Courier = (*Dispatcher)(nil)

// newOwner names one dispatcher's leases; a restarted process must not
// take the leases of its previous life for its own.
func newOwner() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Lease implements Courier.
func (d *Dispatcher) Lease() Lease {
	now := d.cfg.Now()
	return Lease{Owner: d.owner, Now: now, Until: now.Add(d.cfg.Lease)}
}

// Deliver implements Courier.
func (d *Dispatcher) Deliver(items []OutboxItem) {
	if len(items) == 0 {
		return
	}
	d.mu.Lock()
	d.direct = append(d.direct, items)
	d.mu.Unlock()
	signal(d.kick)
}

// Queued implements Courier.
func (d *Dispatcher) Queued(convID int64) {
	d.mu.Lock()
	if len(d.behind) < maxBehind {
		d.behind[convID] = true
	}
	d.mu.Unlock()
	d.Wake()
}

// maxBehind bounds the conversations remembered by Queued; past it the
// poll alone finds their replies.
const maxBehind = 10_000

// popDirect takes the oldest batch handed over by Deliver, if any.
func (d *Dispatcher) popDirect() []OutboxItem {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.direct) == 0 {
		return nil
	}
	b := d.direct[0]
	d.direct[0] = nil
	d.direct = d.direct[1:]
	return b
}

func (d *Dispatcher) hasDirect() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.direct) > 0
}

// wasBehind reports (and forgets) whether a reply of convID waits unleased
// behind one that was just sent.
func (d *Dispatcher) wasBehind(convID int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.behind[convID]
	delete(d.behind, convID)
	return b
}

// forgetBehind drops the conversations not sending here: whatever holds
// their head, the poll's claims find their replies from now on.
func (d *Dispatcher) forgetBehind(here func(conv int64) bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for conv := range d.behind {
		if !here(conv) {
			delete(d.behind, conv)
		}
	}
}

// inflight is the Run loop's book of rows being sent, and of rows leased at
// commit that wait for their conversation's earlier rows. Only Run's
// goroutine uses it.
type inflight struct {
	lease   time.Duration
	rows    map[int64]int64          // id → conversation, being sent
	perConv map[int64]int            // rows being sent per conversation
	waiting map[int64][][]OutboxItem // batches behind a conversation's rows being sent
	nwait   int
	// failed holds conversations a row of which was not sent, and when:
	// rows leased at commit meanwhile may have been leased behind it, so
	// they go to ClaimOutbox, which keeps the order.
	failed map[int64]time.Time
}

func newInflight(lease time.Duration) *inflight {
	return &inflight{lease: lease, rows: map[int64]int64{}, perConv: map[int64]int{},
		waiting: map[int64][][]OutboxItem{}, failed: map[int64]time.Time{}}
}

// sending counts the rows being sent; size adds the waiting ones.
func (f *inflight) sending() int { return len(f.rows) }
func (f *inflight) size() int    { return len(f.rows) + f.nwait }

// add takes a batch of one conversation, oldest first: a claimed row (now
// zero) or rows leased at commit. It returns what to send now, and what to
// release: rows already being sent are skipped, and so is what follows
// them.
func (f *inflight) add(b []OutboxItem, now time.Time) (run, release []OutboxItem) {
	for i, it := range b {
		if _, dup := f.rows[it.ID]; dup {
			b, release = b[:i], b[i+1:]
			break
		}
	}
	if len(b) == 0 {
		return nil, release
	}
	conv := b[0].ConvID
	if !now.IsZero() {
		if t, ok := f.failed[conv]; ok && now.Sub(t) < f.lease {
			return nil, append(b, release...)
		}
		if f.perConv[conv] > 0 {
			f.waiting[conv] = append(f.waiting[conv], b)
			f.nwait += len(b)
			return nil, release
		}
	}
	f.register(b)
	return b, release
}

func (f *inflight) register(b []OutboxItem) {
	for _, it := range b {
		f.rows[it.ID] = it.ConvID
		f.perConv[it.ConvID]++
	}
}

// done books the outcome of a row being sent. It returns the row's
// conversation, the batch of it to send next, and the waiting rows to
// release because this one was not sent.
func (f *inflight) done(r DeliveryResult, now time.Time) (conv int64, next, release []OutboxItem) {
	conv, ok := f.rows[r.ID]
	if !ok {
		return 0, nil, nil
	}
	delete(f.rows, r.ID)
	f.perConv[conv]--
	if !r.Sent {
		f.forgetFailed(now)
		f.failed[conv] = now
		for _, b := range f.waiting[conv] {
			release = append(release, b...)
		}
		f.nwait -= len(release)
		delete(f.waiting, conv)
	}
	if f.perConv[conv] > 0 {
		return conv, nil, release
	}
	delete(f.perConv, conv)
	if w := f.waiting[conv]; len(w) > 0 {
		next = w[0]
		f.nwait -= len(next)
		if len(w) == 1 {
			delete(f.waiting, conv)
		} else {
			f.waiting[conv] = w[1:]
		}
		f.register(next)
	}
	return conv, next, release
}

// forgetFailed drops failures older than a lease: any row leased at commit
// behind them has been released or has expired since.
func (f *inflight) forgetFailed(now time.Time) {
	for conv, t := range f.failed {
		if now.Sub(t) >= f.lease {
			delete(f.failed, conv)
		}
	}
}

// dropWaiting empties the waiting batches and returns their rows.
func (f *inflight) dropWaiting() []OutboxItem {
	var all []OutboxItem
	for conv, w := range f.waiting {
		for _, b := range w {
			all = append(all, b...)
		}
		delete(f.waiting, conv)
	}
	f.nwait = 0
	return all
}

func (f *inflight) ids() []int64 {
	ids := make([]int64, 0, len(f.rows))
	for id := range f.rows {
		ids = append(ids, id)
	}
	return ids
}

// busy reports whether a row of conv is being sent.
func (f *inflight) busy(conv int64) bool { return f.perConv[conv] > 0 }
