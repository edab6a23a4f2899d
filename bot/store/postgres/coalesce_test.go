package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// gatedFlush records the batches it is given and blocks each flush until
// the test lets it go, so that calls pile up behind it.
type gatedFlush struct {
	mu      sync.Mutex
	batches [][]int
	started chan struct{} // one value per flush, once it began
	release chan struct{} // one value lets one flush finish
	ctxErr  []error       // the flush context's error when it finished
}

func newGatedFlush() *gatedFlush {
	return &gatedFlush{started: make(chan struct{}, 100), release: make(chan struct{}, 100)}
}

// flush answers 2*in, and an error for inputs divisible by 3.
func (g *gatedFlush) flush(ctx context.Context, in []int) ([]int, []error) {
	g.mu.Lock()
	g.batches = append(g.batches, slices.Clone(in))
	g.mu.Unlock()
	g.started <- struct{}{}
	<-g.release
	g.mu.Lock()
	g.ctxErr = append(g.ctxErr, ctx.Err())
	g.mu.Unlock()
	outs, errs := make([]int, len(in)), make([]error, len(in))
	for i, v := range in {
		outs[i] = 2 * v
		if v%3 == 0 {
			errs[i] = fmt.Errorf("input %d refused", v)
		}
	}
	return outs, errs
}

func (g *gatedFlush) seen() [][]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.batches)
}

// waitQueued waits until n calls wait in c's queue.
func waitQueued(t *testing.T, c *coalescer[int, int], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.queue)
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

type answer struct {
	out int
	err error
}

func TestCoalescer(t *testing.T) {
	tests := []struct {
		name      string
		limit     int
		max       int
		queued    int   // calls made while the first flush runs
		wantSizes []int // sizes of the flushes, in order
	}{
		{"calls made during a flush share the next one", 1, 64, 7, []int{1, 7}},
		{"a flush carries at most max calls", 1, 3, 7, []int{1, 3, 3, 1}},
		{"with a free slot a call does not wait", 2, 64, 1, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGatedFlush()
			c := &coalescer[int, int]{limit: tt.limit, max: tt.max, flush: g.flush}
			answers := make([]answer, tt.queued+1)
			var wg sync.WaitGroup
			call := func(i int) {
				wg.Go(func() {
					out, err := c.do(context.Background(), i+1)
					answers[i] = answer{out, err}
				})
			}
			call(0)
			<-g.started // the first flush holds the only slot (or one of two)
			for i := 1; i <= tt.queued; i++ {
				call(i)
			}
			if tt.limit == 1 {
				waitQueued(t, c, tt.queued)
			}
			for range tt.wantSizes {
				g.release <- struct{}{}
			}
			wg.Wait()
			var sizes []int
			var all []int
			for _, b := range g.seen() {
				sizes = append(sizes, len(b))
				all = append(all, b...)
			}
			if !slices.Equal(sizes, tt.wantSizes) {
				t.Errorf("flush sizes %v, want %v", sizes, tt.wantSizes)
			}
			slices.Sort(all)
			want := make([]int, tt.queued+1)
			for i := range want {
				want[i] = i + 1
			}
			if !slices.Equal(all, want) {
				t.Errorf("flushed inputs %v: want each of 1..%d once", all, tt.queued+1)
			}
			for i, a := range answers {
				in := i + 1
				if a.out != 2*in || (a.err != nil) != (in%3 == 0) {
					t.Errorf("call %d got (%d, %v): another call's answer", in, a.out, a.err)
				}
			}
		})
	}
}

// A caller that leaves (its context ends) does not cancel the flush it
// led, which carries other callers' writes, and a caller that left while
// queued is not written at all.
func TestCoalescerCallersThatLeave(t *testing.T) {
	g := newGatedFlush()
	c := &coalescer[int, int]{limit: 1, max: 64, flush: g.flush}
	leadCtx, leaveLead := context.WithCancel(context.Background())
	queuedCtx, leaveQueued := context.WithCancel(context.Background())
	t.Cleanup(leaveLead)
	t.Cleanup(leaveQueued)

	var lead, gone, stays answer
	var wg sync.WaitGroup
	wg.Go(func() { lead.out, lead.err = c.do(leadCtx, 1) })
	<-g.started
	wg.Go(func() { gone.out, gone.err = c.do(queuedCtx, 2) })
	wg.Go(func() { stays.out, stays.err = c.do(context.Background(), 4) })
	waitQueued(t, c, 2)
	leaveLead()
	leaveQueued()
	g.release <- struct{}{}
	g.release <- struct{}{}
	wg.Wait()

	if lead.err != nil || lead.out != 2 {
		t.Errorf("the leader got (%d, %v), want (2, nil): its flush completed", lead.out, lead.err)
	}
	if !errors.Is(gone.err, context.Canceled) {
		t.Errorf("the caller that left while queued got %v, want context.Canceled", gone.err)
	}
	if stays.err != nil || stays.out != 8 {
		t.Errorf("the caller that stayed got (%d, %v), want (8, nil)", stays.out, stays.err)
	}
	if got := g.seen(); !slices.EqualFunc(got, [][]int{{1}, {4}}, slices.Equal[[]int]) {
		t.Errorf("flushed %v, want [[1] [4]]: the call whose caller left while queued must not be written", got)
	}
	for i, err := range g.ctxErr {
		if err != nil {
			t.Errorf("flush %d ran with a cancelled context (%v): one caller leaving must not cancel the others' writes", i, err)
		}
	}
}
