package postgres

import (
	"context"
	"sync"
	"time"
)

// coalescer merges concurrent calls into shared round trips. A call that
// finds fewer than limit flushes running starts one with every call
// queued at that moment, its own included; the others wait for a running
// flush to finish and pick them up. Under light load every call runs at
// once, alone; under heavy load calls share round trips, WAL flushes and
// wake-ups, which is where a PostgreSQL instance spends most of its time
// on small writes.
type coalescer[In, Out any] struct {
	limit int // flushes in flight
	max   int // calls per flush
	// flush runs the calls of one batch; it returns one result and one
	// error per input, in order.
	flush func(ctx context.Context, in []In) ([]Out, []error)

	mu    sync.Mutex
	busy  int
	queue []*call[In, Out]
}

// newCoalescer returns the store's coalescer for flush: groupsInFlight
// flushes at a time, of at most maxGroup calls.
func newCoalescer[In, Out any](flush func(ctx context.Context, in []In) ([]Out, []error)) *coalescer[In, Out] {
	return &coalescer[In, Out]{limit: groupsInFlight, max: maxGroup, flush: flush}
}

type call[In, Out any] struct {
	in   In
	gone <-chan struct{} // the caller's ctx.Done(): skipped if closed before its flush
	out  Out
	err  error
	done chan struct{}
}

// flushTimeout bounds a flush that shares no single caller's context.
const flushTimeout = 30 * time.Second

// do runs in with the next flush and returns its result. When ctx ends
// before the result is known, do returns ctx.Err(); a flush that already
// took the call may still apply it (as with any write whose answer was
// lost).
func (c *coalescer[In, Out]) do(ctx context.Context, in In) (Out, error) {
	cl := &call[In, Out]{in: in, gone: ctx.Done(), done: make(chan struct{})}
	c.mu.Lock()
	c.queue = append(c.queue, cl)
	var batch []*call[In, Out]
	if c.busy < c.limit {
		c.busy++
		batch = c.takeLocked()
	}
	c.mu.Unlock()
	if batch != nil {
		c.run(ctx, batch)
	}
	select {
	case <-cl.done:
	case <-ctx.Done():
		select {
		case <-cl.done: // written after all: say so
		default:
			var zero Out
			return zero, ctx.Err()
		}
	}
	return cl.out, cl.err
}

// takeLocked removes up to max live calls from the queue.
func (c *coalescer[In, Out]) takeLocked() []*call[In, Out] {
	n := min(len(c.queue), c.max)
	batch := make([]*call[In, Out], 0, n)
	for _, cl := range c.queue[:n] {
		select {
		case <-cl.gone: // nobody waits for it: do not write it
			cl.err = context.Canceled
			close(cl.done)
		default:
			batch = append(batch, cl)
		}
	}
	c.queue = append(c.queue[:0], c.queue[n:]...)
	return batch
}

// run flushes batch and hands what queued meanwhile to another goroutine,
// so that the caller that led this flush returns now.
func (c *coalescer[In, Out]) run(ctx context.Context, batch []*call[In, Out]) {
	// The flush serves every caller in it: one caller leaving must not
	// cancel the others' writes.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), flushTimeout)
	defer cancel()
	if len(batch) > 0 {
		in := make([]In, len(batch))
		for i, cl := range batch {
			in[i] = cl.in
		}
		outs, errs := c.flush(fctx, in)
		for i, cl := range batch {
			cl.out, cl.err = outs[i], errs[i]
			close(cl.done)
		}
	}
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.busy--
		c.mu.Unlock()
		return
	}
	next := c.takeLocked()
	c.mu.Unlock()
	go c.run(context.WithoutCancel(ctx), next)
}

// eachAlone runs f(0) … f(n-1) side by side: after a group the server
// refused, each call goes again in a round trip of its own.
func eachAlone(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}
