package bot

import (
	"slices"
	"testing"
	"time"
)

func row(id, conv int64) OutboxItem {
	return OutboxItem{Outbound: Outbound{ID: id}, ConvID: conv}
}

func ids(items []OutboxItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// TestInflightKeepsConversationOrder drives the dispatcher's book of rows
// in flight: rows leased at commit wait behind their conversation's rows
// being sent, start when those are sent, and are released when one is not.
func TestInflightKeepsConversationOrder(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	const lease = 15 * time.Second
	type step struct {
		add    []OutboxItem    // a batch to add (direct unless claimed)
		claim  bool            // add as a claimed row
		result *DeliveryResult // else: an outcome to book
		at     time.Duration
		run    []int64 // started now
		drop   []int64 // released
	}
	sent := func(id int64) *DeliveryResult { return &DeliveryResult{ID: id, Sent: true} }
	failed := func(id int64) *DeliveryResult { return &DeliveryResult{ID: id, Error: "503"} }
	tests := []struct {
		name  string
		steps []step
	}{
		{"a batch starts at once", []step{
			{add: []OutboxItem{row(1, 7), row(2, 7)}, run: []int64{1, 2}},
		}},
		{"a later batch waits, then follows", []step{
			{add: []OutboxItem{row(1, 7)}, run: []int64{1}},
			{add: []OutboxItem{row(2, 7), row(3, 7)}},
			{add: []OutboxItem{row(4, 8)}, run: []int64{4}},
			{result: sent(1), run: []int64{2, 3}},
			{result: sent(2)},
			{result: sent(3)},
		}},
		{"a failure releases what waits, and later batches for a lease", []step{
			{add: []OutboxItem{row(1, 7)}, run: []int64{1}},
			{add: []OutboxItem{row(2, 7)}},
			{result: failed(1), drop: []int64{2}},
			{add: []OutboxItem{row(3, 7)}, at: time.Second, drop: []int64{3}},
			{add: []OutboxItem{row(4, 7)}, at: lease + time.Second, run: []int64{4}},
		}},
		{"a claimed row never waits", []step{
			{add: []OutboxItem{row(1, 7)}, run: []int64{1}},
			{add: []OutboxItem{row(5, 9)}, claim: true, run: []int64{5}},
		}},
		{"a row already being sent is not sent again, nor what follows it", []step{
			{add: []OutboxItem{row(1, 7)}, claim: true, run: []int64{1}},
			{add: []OutboxItem{row(1, 7), row(2, 7)}, drop: []int64{2}},
		}},
		{"an unknown outcome is ignored", []step{
			{result: sent(42)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newInflight(lease)
			for i, s := range tc.steps {
				var run, drop []OutboxItem
				switch {
				case s.result != nil:
					_, run, drop = f.done(*s.result, now.Add(s.at))
				case s.claim:
					run, drop = f.add(s.add, time.Time{})
				default:
					run, drop = f.add(s.add, now.Add(s.at))
				}
				if !slices.Equal(ids(run), s.run) || !slices.Equal(ids(drop), s.drop) {
					t.Fatalf("step %d: run %v drop %v, want run %v drop %v", i, ids(run), ids(drop), s.run, s.drop)
				}
			}
		})
	}
}
