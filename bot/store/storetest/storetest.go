// Package storetest is the conformance suite every bot.Store passes (SQLite
// now, PostgreSQL later): call Run from the implementation's tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Intents and a language of the stored rows: a store knows no content.
const (
	intentA bot.Intent = "topic_a"
	intentB bot.Intent = "topic_b"
	intentC bot.Intent = "topic_c"
	langFR  bot.Lang   = "fr"
)

// Run runs the suite; open returns a fresh, empty store for each subtest
// (and closes it in t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) bot.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s bot.Store)
	}{
		{"create and load", testCreateLoad},
		{"inbound dedupe", testDedupe},
		{"optimistic lock", testConflict},
		{"concurrent create", testConcurrentCreate},
		{"concurrent commits fail alone", testConcurrentIsolation},
		{"outbox order and lease", testOutboxOrder},
		{"outbox retry and dead letter", testOutboxRetryDead},
		{"outbox leased at commit", testLeaseAtCommit},
		{"handoff life cycle", testHandoffs},
		{"transcript", testTranscript},
		{"report", testReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func conv(chat string) bot.Conversation {
	return bot.Conversation{Channel: "test", ChatID: chat, ContactID: "u-" + chat, State: bot.StateBot, Lang: langFR,
		Audience: bot.Client, Caps: bot.Capabilities{Buttons: true, MaxLen: 4096}}
}

func out(c bot.Conversation, text string) bot.Outbound {
	return bot.Outbound{Channel: c.Channel, ChatID: c.ChatID, Lang: c.Lang, Kind: bot.KindBot,
		Reply: bot.Reply{Text: text, Buttons: []bot.Button{{Label: "Oui", Payload: "yes"}}}}
}

func inbound(pid, text string) *bot.Entry {
	return &bot.Entry{Kind: bot.KindClient, Author: "u", Text: text, PlatformID: pid, Intent: intentA,
		Lang: langFR, Verdict: bot.VerdictAnswer, Confidence: 0.9, At: t0}
}

// commit applies a change and fails the test on error.
func commit(t *testing.T, s bot.Store, c bot.Change) bot.Committed {
	t.Helper()
	if c.At.IsZero() {
		c.At = t0
	}
	res, err := s.Commit(context.Background(), c)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return res
}

func load(t *testing.T, s bot.Store, chat string) bot.Conversation {
	t.Helper()
	c, err := s.Conversation(context.Background(), "test", chat)
	if err != nil {
		t.Fatalf("load %s: %v", chat, err)
	}
	return c
}

func testCreateLoad(t *testing.T, s bot.Store) {
	ctx := context.Background()
	if _, err := s.Conversation(ctx, "test", "a"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("missing conversation: %v, want ErrNotFound", err)
	}
	if _, err := s.Contact(ctx, "test", "u-a"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("missing contact: %v, want ErrNotFound", err)
	}
	c := conv("a")
	c.Dialog = bot.Dialog{Awaiting: bot.AwaitFeedback, Intent: intentA, Next: []bot.Intent{intentB},
		Options: []bot.Button{{Label: "Oui", Payload: "yes"}}}
	res := commit(t, s, bot.Change{Inbound: inbound("m1", "salut"), Conversation: c,
		Contact: &bot.Contact{Channel: "test", ContactID: "u-a", Name: "Ana", Lang: langFR, Audience: bot.Client},
		Out:     []bot.Outbound{out(c, "réponse")}})
	if res.ConvID == 0 || res.Version != 1 || len(res.OutboxIDs) != 1 {
		t.Fatalf("committed %+v", res)
	}
	got := load(t, s, "a")
	if got.ID != res.ConvID || got.Version != 1 || got.State != bot.StateBot || got.Lang != langFR ||
		got.Caps != c.Caps || got.Dialog.Intent != intentA || len(got.Dialog.Next) != 1 ||
		len(got.Dialog.Options) != 1 || got.CreatedAt.IsZero() {
		t.Fatalf("loaded %+v", got)
	}
	byID, err := s.ConversationByID(ctx, res.ConvID)
	if err != nil || byID.ChatID != "a" {
		t.Fatalf("by id: %+v %v", byID, err)
	}
	ct, err := s.Contact(ctx, "test", "u-a")
	if err != nil || ct.Name != "Ana" || ct.Lang != langFR {
		t.Fatalf("contact %+v %v", ct, err)
	}
}

func testDedupe(t *testing.T, s bot.Store) {
	c := conv("d")
	res := commit(t, s, bot.Change{Inbound: inbound("m1", "x"), Conversation: c, Out: []bot.Outbound{out(c, "r")}})
	c = load(t, s, "d")
	_, err := s.Commit(context.Background(), bot.Change{Inbound: inbound("m1", "x"), Conversation: c,
		Out: []bot.Outbound{out(c, "r")}, At: t0})
	if !errors.Is(err, bot.ErrDuplicate) {
		t.Fatalf("redelivery: %v, want ErrDuplicate", err)
	}
	// Nothing of the refused change was stored.
	if n, _ := s.PendingOutbox(context.Background(), ""); n != 1 {
		t.Fatalf("pending %d, want 1", n)
	}
	if got := load(t, s, "d"); got.Version != res.Version {
		t.Fatalf("version %d, want %d", got.Version, res.Version)
	}
	// The same platform id on another channel, or an empty id, is not a duplicate.
	other := bot.Conversation{Channel: "other", ChatID: "d", State: bot.StateBot}
	commit(t, s, bot.Change{Inbound: inbound("m1", "x"), Conversation: other})
	c = load(t, s, "d")
	res = commit(t, s, bot.Change{Inbound: inbound("", "x"), Conversation: c})
	c.Version = res.Version
	commit(t, s, bot.Change{Inbound: inbound("", "x"), Conversation: c})
}

func testConflict(t *testing.T, s bot.Store) {
	c := conv("c")
	commit(t, s, bot.Change{Conversation: c})
	stale := load(t, s, "c")
	fresh := stale
	fresh.State = bot.StateWaiting
	commit(t, s, bot.Change{Conversation: fresh})
	stale.State = bot.StateResolved
	_, err := s.Commit(context.Background(), bot.Change{Conversation: stale, Out: []bot.Outbound{out(stale, "r")}, At: t0})
	if !errors.Is(err, bot.ErrConflict) {
		t.Fatalf("stale write: %v, want ErrConflict", err)
	}
	if got := load(t, s, "c"); got.State != bot.StateWaiting || got.Version != 2 {
		t.Fatalf("after conflict %+v", got)
	}
}

func testConcurrentCreate(t *testing.T, s bot.Store) {
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.Commit(context.Background(), bot.Change{Conversation: conv("same"),
				Inbound: inbound(fmt.Sprint("p", i), "x"), At: t0})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, bot.ErrConflict):
			t.Fatalf("concurrent create: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d creations succeeded, want 1", ok)
	}
}

// testConcurrentIsolation: commits running together (a store may group
// them in one transaction) succeed or fail each on its own.
func testConcurrentIsolation(t *testing.T, s bot.Store) {
	const n = 40
	for i := range n / 2 {
		c := conv(fmt.Sprint("iso", i))
		commit(t, s, bot.Change{Conversation: c, Inbound: inbound(fmt.Sprint("seen", i), "x")})
	}
	stored := make([]bot.Conversation, n/2)
	for i := range stored {
		stored[i] = load(t, s, fmt.Sprint("iso", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			if i%2 == 0 { // a redelivery: must fail with nothing stored
				c := stored[i/2]
				_, errs[i] = s.Commit(context.Background(), bot.Change{Conversation: c, Inbound: inbound(fmt.Sprint("seen", i/2), "x"),
					Out: []bot.Outbound{out(c, "dup")}, At: t0})
				return
			}
			c := conv(fmt.Sprint("new", i))
			_, errs[i] = s.Commit(context.Background(), bot.Change{Conversation: c, Inbound: inbound(fmt.Sprint("fresh", i), "x"),
				Out: []bot.Outbound{out(c, "ok")}, At: t0})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 && !errors.Is(err, bot.ErrDuplicate) {
			t.Fatalf("commit %d: %v, want ErrDuplicate", i, err)
		}
		if i%2 == 1 && err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	if p, _ := s.PendingOutbox(context.Background(), ""); p != n/2 {
		t.Fatalf("pending %d, want %d (only the good commits' replies)", p, n/2)
	}
}

func claim(t *testing.T, s bot.Store, now time.Time, limit int) []bot.OutboxItem {
	t.Helper()
	items, err := s.ClaimOutbox(context.Background(), []string{"test"}, now, time.Minute, limit)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func testOutboxOrder(t *testing.T, s bot.Store) {
	a, b := conv("a"), conv("b")
	commit(t, s, bot.Change{Conversation: a, Out: []bot.Outbound{out(a, "a1"), out(a, "a2")}})
	commit(t, s, bot.Change{Conversation: b, Out: []bot.Outbound{out(b, "b1")}})
	if items, _ := s.ClaimOutbox(context.Background(), []string{"elsewhere"}, t0, time.Minute, 10); len(items) != 0 {
		t.Fatalf("claimed %d rows of another channel", len(items))
	}
	items := claim(t, s, t0, 10)
	if len(items) != 2 || items[0].Reply.Text != "a1" || items[1].Reply.Text != "b1" {
		t.Fatalf("first claim %+v, want heads a1 and b1", items)
	}
	if items[0].Reply.Buttons[0].Payload != "yes" || items[0].ConvID == 0 || items[0].Kind != bot.KindBot {
		t.Fatalf("claimed item %+v", items[0])
	}
	if again := claim(t, s, t0.Add(time.Second), 10); len(again) != 0 {
		t.Fatalf("leased rows claimed again: %+v", again)
	}
	if err := s.MarkDelivered(context.Background(), []bot.DeliveryResult{{ID: items[0].ID, Sent: true, PlatformID: "p-a1", At: t0}}); err != nil {
		t.Fatal(err)
	}
	next := claim(t, s, t0.Add(time.Second), 10)
	if len(next) != 1 || next[0].Reply.Text != "a2" {
		t.Fatalf("after a1 sent: %+v, want a2", next)
	}
	// An expired lease makes b1 claimable again (the process holding it died).
	late := claim(t, s, t0.Add(2*time.Minute), 10)
	if len(late) != 2 {
		t.Fatalf("after lease expiry: %+v", late)
	}
	tr, err := s.Transcript(context.Background(), items[0].ConvID, 0, 0)
	if err != nil || len(tr) != 2 || tr[0].PlatformID != "p-a1" {
		t.Fatalf("transcript %+v %v", tr, err)
	}
}

// testLeaseAtCommit: replies are leased to a dispatcher at commit only
// when every reply of the conversation pending before them is that
// dispatcher's, under a lease that has not ended; a released row is
// claimed again with its attempts unchanged.
func testLeaseAtCommit(t *testing.T, s bot.Store) {
	ctx := context.Background()
	a, b, c := conv("la"), conv("lb"), conv("lc")
	mine := &bot.Lease{Owner: "A", Now: t0, Until: t0.Add(time.Minute)}
	send := func(cv *bot.Conversation, l *bot.Lease, texts ...string) bot.Committed {
		t.Helper()
		var outs []bot.Outbound
		for _, x := range texts {
			outs = append(outs, out(*cv, x))
		}
		res := commit(t, s, bot.Change{Conversation: *cv, Out: outs, Lease: l})
		cv.ID, cv.Version = res.ConvID, res.Version
		return res
	}
	first := send(&a, mine, "a1", "a2")
	if !first.Leased || len(first.OutboxIDs) != 2 {
		t.Fatalf("first commit %+v, want both replies leased", first)
	}
	if r := send(&a, mine, "a3"); !r.Leased {
		t.Fatal("a3 not leased behind the same dispatcher's a1 and a2")
	}
	if r := send(&a, &bot.Lease{Owner: "B", Now: t0, Until: t0.Add(time.Minute)}, "a4"); r.Leased {
		t.Fatal("a4 leased to B behind A's rows")
	}
	if r := send(&b, nil, "b1"); r.Leased {
		t.Fatal("leased without a Lease")
	}
	if got := claim(t, s, t0, 10); len(got) != 1 || got[0].Reply.Text != "b1" {
		t.Fatalf("claim during the lease: %+v, want only b1", got)
	}
	// a1 is sent; a2 was never tried (a1's sender gave it back).
	if err := s.MarkDelivered(ctx, []bot.DeliveryResult{{ID: first.OutboxIDs[0], Sent: true, At: t0},
		{ID: first.OutboxIDs[1], Released: true, At: t0}}); err != nil {
		t.Fatal(err)
	}
	got := claim(t, s, t0, 10)
	if len(got) != 1 || got[0].ID != first.OutboxIDs[1] || got[0].Attempts != 0 || !got[0].NextAt.Equal(t0) {
		t.Fatalf("after release: %+v, want a2 with 0 attempts, due at t0", got)
	}
	if !got[0].LeaseUntil.Equal(t0.Add(time.Minute)) {
		t.Fatalf("claimed lease ends %v, want %v", got[0].LeaseUntil, t0.Add(time.Minute))
	}
	// a2 is now claimed, by nobody's commit lease: A's next reply waits.
	if r := send(&a, mine, "a5"); r.Leased {
		t.Fatal("a5 leased behind a claimed row")
	}
	// A lease that has ended is nobody's.
	send(&c, mine, "c1")
	if r := send(&c, &bot.Lease{Owner: "A", Now: t0.Add(2 * time.Minute), Until: t0.Add(3 * time.Minute)}, "c2"); r.Leased {
		t.Fatal("c2 leased behind c1 whose lease had ended")
	}
}

func testOutboxRetryDead(t *testing.T, s bot.Store) {
	ctx := context.Background()
	a := conv("r")
	commit(t, s, bot.Change{Conversation: a, Out: []bot.Outbound{out(a, "r1"), out(a, "r2")}})
	it := claim(t, s, t0, 10)[0]
	if err := s.MarkDelivered(ctx, []bot.DeliveryResult{{ID: it.ID, NextAt: t0.Add(10 * time.Second), Error: "503", At: t0}}); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, t0.Add(5*time.Second), 10); len(got) != 0 {
		t.Fatalf("claimed before retry time (or r2 overtook r1): %+v", got)
	}
	got := claim(t, s, t0.Add(10*time.Second), 10)
	if len(got) != 1 || got[0].ID != it.ID || got[0].Attempts != 1 {
		t.Fatalf("retry claim %+v", got)
	}
	if err := s.MarkDelivered(ctx, []bot.DeliveryResult{{ID: it.ID, Dead: true, Error: "blocked", At: t0}}); err != nil {
		t.Fatal(err)
	}
	dead, err := s.Outbox(ctx, bot.OutboxDead, 10)
	if err != nil || len(dead) != 1 || dead[0].ID != it.ID || dead[0].LastError != "blocked" || dead[0].Attempts != 2 {
		t.Fatalf("dead letters %+v %v", dead, err)
	}
	// The dead head no longer blocks the conversation.
	if got := claim(t, s, t0.Add(11*time.Second), 10); len(got) != 1 || got[0].Reply.Text != "r2" {
		t.Fatalf("after dead letter: %+v", got)
	}
	if err := s.RequeueOutbox(ctx, it.ID, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RequeueOutbox(ctx, it.ID, t0); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("requeue of a pending row: %v, want ErrNotFound", err)
	}
	if n, _ := s.PendingOutbox(ctx, "test"); n != 2 {
		t.Fatalf("pending %d, want 2", n)
	}
}

func testHandoffs(t *testing.T, s bot.Store) {
	ctx := context.Background()
	c := conv("h")
	c.State = bot.StateWaiting
	res := commit(t, s, bot.Change{Conversation: c, Handoff: &bot.HandoffChange{Create: true,
		H: bot.Handoff{Reason: "requested", Lang: langFR}}})
	if res.HandoffID == 0 {
		t.Fatal("no handoff id")
	}
	if got := load(t, s, "h"); got.HandoffID != res.HandoffID {
		t.Fatalf("conversation handoff %d, want %d", got.HandoffID, res.HandoffID)
	}
	hs, err := s.Handoffs(ctx, bot.HandoffWaiting)
	if err != nil || len(hs) != 1 || hs[0].Channel != "test" || hs[0].ChatID != "h" || hs[0].Reason != "requested" {
		t.Fatalf("queue %+v %v", hs, err)
	}
	if st, _ := s.StaleHandoffs(ctx, t0); len(st) != 0 {
		t.Fatalf("stale too early: %+v", st)
	}
	if st, _ := s.StaleHandoffs(ctx, t0.Add(11*time.Minute)); len(st) != 1 {
		t.Fatalf("stale: %+v", st)
	}
	h := hs[0]
	h.NoticeAt = t0.Add(11 * time.Minute)
	cv := load(t, s, "h")
	commit(t, s, bot.Change{Conversation: cv, Handoff: &bot.HandoffChange{H: h}})
	if st, _ := s.StaleHandoffs(ctx, t0.Add(20*time.Minute)); len(st) != 0 {
		t.Fatalf("noticed handoff still stale: %+v", st)
	}
	h.Status, h.Agent, h.ResolvedAt = bot.HandoffResolved, "ana", t0.Add(time.Hour)
	cv = load(t, s, "h")
	commit(t, s, bot.Change{Conversation: cv, Handoff: &bot.HandoffChange{H: h}})
	cv = load(t, s, "h")
	commit(t, s, bot.Change{Conversation: cv, CSAT: &bot.CSAT{HandoffID: h.ID, Score: 4}})
	got, err := s.Handoff(ctx, h.ID)
	if err != nil || got.Status != bot.HandoffResolved || got.Agent != "ana" || got.CSAT != 4 || got.NoticeAt.IsZero() {
		t.Fatalf("handoff %+v %v", got, err)
	}
	if _, err := s.Handoff(ctx, 9999); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("missing handoff: %v", err)
	}
	if hs, _ := s.Handoffs(ctx, bot.HandoffWaiting, bot.HandoffTaken); len(hs) != 0 {
		t.Fatalf("queue after resolve: %+v", hs)
	}
}

func testTranscript(t *testing.T, s bot.Store) {
	c := conv("t")
	res := commit(t, s, bot.Change{Inbound: inbound("1", "hello"), Conversation: c, Out: []bot.Outbound{out(c, "answer")}})
	c = load(t, s, "t")
	commit(t, s, bot.Change{Conversation: c, Entries: []bot.Entry{{Kind: bot.KindNote, Author: "ana", Text: "checked"}}})
	tr, err := s.Transcript(context.Background(), res.ConvID, 0, 0)
	if err != nil || len(tr) != 3 {
		t.Fatalf("transcript %+v %v", tr, err)
	}
	want := []struct{ kind, text string }{{bot.KindClient, "hello"}, {bot.KindBot, "answer"}, {bot.KindNote, "checked"}}
	for i, w := range want {
		if tr[i].Kind != w.kind || tr[i].Text != w.text {
			t.Errorf("entry %d = %s %q, want %s %q", i, tr[i].Kind, tr[i].Text, w.kind, w.text)
		}
	}
	if tr[0].Intent != intentA || tr[0].Verdict != bot.VerdictAnswer || len(tr[1].Buttons) != 1 {
		t.Errorf("entry fields lost: %+v", tr[:2])
	}
	after, _ := s.Transcript(context.Background(), res.ConvID, tr[0].ID, 1)
	if len(after) != 1 || after[0].ID != tr[1].ID {
		t.Fatalf("after/limit: %+v", after)
	}
}

func testReport(t *testing.T, s bot.Store) {
	// a: answered and helpful; b: unhelpful then handed off, CSAT 5; c: not understood.
	a, b, c := conv("a"), conv("b"), conv("c")
	commit(t, s, bot.Change{Inbound: inbound("a1", "mot de passe"), Conversation: a,
		Feedback: []bot.Feedback{{Intent: intentA, Lang: langFR, Helpful: true}}})
	bIn := inbound("b1", "code")
	bIn.Intent = intentC
	b.State = bot.StateWaiting
	res := commit(t, s, bot.Change{Inbound: bIn, Conversation: b,
		Feedback: []bot.Feedback{{Intent: intentC, Lang: langFR, Helpful: false}},
		Handoff:  &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "unhelpful", Lang: langFR}}})
	bc := load(t, s, "b")
	h, _ := s.Handoff(context.Background(), res.HandoffID)
	h.Status, h.ResolvedAt = bot.HandoffResolved, t0.Add(time.Minute)
	commit(t, s, bot.Change{Conversation: bc, Handoff: &bot.HandoffChange{H: h}, CSAT: &bot.CSAT{HandoffID: h.ID, Score: 5}})
	cIn := inbound("c1", "quel temps fait-il")
	cIn.Intent, cIn.Verdict = bot.NoIntent, bot.VerdictNone
	commit(t, s, bot.Change{Inbound: cIn, Conversation: c})
	old := inbound("old", "ancien")
	old.At = t0.Add(-30 * 24 * time.Hour)
	commit(t, s, bot.Change{Inbound: old, Conversation: conv("old")})

	r, err := s.Report(context.Background(), t0.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if r.Conversations != 3 || r.ResolvedByBot != 1 || r.HandedOff != 1 || r.CSATCount != 1 || r.CSATAverage != 5 {
		t.Fatalf("report %+v", r)
	}
	if r.Unhelpful[intentC] != 1 || len(r.Unhelpful) != 1 {
		t.Fatalf("unhelpful %+v", r.Unhelpful)
	}
	if fr := r.TopIntents[langFR]; len(fr) != 2 {
		t.Fatalf("top intents %+v", r.TopIntents)
	}
	if r.UnmatchedTotal != 1 || len(r.Unmatched) != 1 || r.Unmatched[0].Text != "quel temps fait-il" {
		t.Fatalf("unmatched %+v", r.Unmatched)
	}
}
