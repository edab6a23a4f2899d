package slack

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// errBusy: the background queue is full (or closed); the caller answers so
// that Slack retries, or the engine logs the missed notification.
var errBusy = errors.New("slack: background queue full")

// serial runs jobs after the request that queued them returned (Slack wants
// an ack within 3 s), in order per key (one handoff's thread stays in
// order) and in parallel across keys, with a bound on pending jobs.
type serial struct {
	timeout time.Duration
	max     int
	log     *slog.Logger

	mu      sync.Mutex
	queues  map[string][]func(context.Context)
	pending int
	closed  bool
	wg      sync.WaitGroup
}

func newSerial(max int, timeout time.Duration, log *slog.Logger) *serial {
	return &serial{timeout: timeout, max: max, log: log, queues: map[string][]func(context.Context){}}
}

// submit queues job under key; errBusy when full or closed.
func (q *serial) submit(key string, job func(context.Context)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.pending >= q.max {
		return errBusy
	}
	q.pending++
	list, running := q.queues[key]
	q.queues[key] = append(list, job)
	if !running {
		q.wg.Add(1)
		go q.drain(key)
	}
	return nil
}

// drain runs key's jobs until its queue is empty.
func (q *serial) drain(key string) {
	defer q.wg.Done()
	for {
		q.mu.Lock()
		list := q.queues[key]
		if len(list) == 0 {
			delete(q.queues, key)
			q.mu.Unlock()
			return
		}
		job := list[0]
		q.queues[key] = list[1:]
		q.mu.Unlock()
		q.run(job)
		q.mu.Lock()
		q.pending--
		q.mu.Unlock()
	}
}

func (q *serial) run(job func(context.Context)) {
	ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			q.log.Error("slack: background job panicked", "panic", r)
		}
	}()
	job(ctx)
}

// close stops accepting jobs and waits for the queued ones.
func (q *serial) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.wg.Wait()
}

// idle waits until no job is pending or ctx ends (tests, graceful stops).
func (q *serial) idle(ctx context.Context) error {
	for {
		q.mu.Lock()
		n := q.pending
		q.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
