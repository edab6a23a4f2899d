package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// figures is a report without the texts of the content gaps (a purge
// removes them; their count stays).
func figures(t *testing.T, s bot.Store) bot.ReportData {
	t.Helper()
	r, err := s.Report(context.Background(), t0.Add(-24*time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range r.Unmatched {
		r.Unmatched[i] = bot.Entry{Verdict: r.Unmatched[i].Verdict, Lang: r.Unmatched[i].Lang, At: r.Unmatched[i].At}
	}
	return r
}

// activity is the dashboard's chart, when the store has one.
type activity interface {
	DailyActivity(ctx context.Context, since time.Time) ([]bot.DayActivity, error)
}

func testPurgeReport(t *testing.T, s PrivacyStore, _ Dump) {
	ctx := context.Background()
	for _, tag := range []string{"601", "602", "603"} {
		seed(t, s, newPerson(tag), t0)
	}
	none := &bot.Entry{Kind: bot.KindClient, Author: "+3460604", Text: "secret604 weather", PlatformID: "n1",
		Intent: bot.Intent("none"), Lang: langFR, Verdict: bot.Verdict("none"), At: t0}
	commit(t, s, bot.Change{Inbound: none, Conversation: bot.Conversation{Channel: channel, ChatID: "+3460604", State: bot.StateBot}})
	before := figures(t, s)
	if before.Conversations != 4 || before.HandedOff != 3 || before.CSATCount != 3 || before.UnmatchedTotal != 1 {
		t.Fatalf("report before the purge %+v", before)
	}
	dry, err := s.Purge(ctx, t0.Add(time.Hour), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Conversation(ctx, channel, "+3460601"); err != nil || dry.Conversations != 4 {
		t.Fatalf("dry run removed %s; conversation after it: %v", dry, err)
	}
	rm, err := s.Purge(ctx, t0.Add(time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	rm.DeskThreads, dry.DeskThreads = nil, nil
	if !reflect.DeepEqual(rm, dry) || rm.Conversations != 4 || rm.Messages != 10 || rm.Contacts != 3 {
		t.Errorf("purge removed %s, dry run said %s", rm, dry)
	}
	if after := figures(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("report changed by the purge:\nbefore %+v\nafter  %+v", before, after)
	}
	if a, ok := s.(activity); ok {
		d1, err1 := a.DailyActivity(ctx, t0.Add(-48*time.Hour))
		if err1 != nil || len(d1) == 0 || d1[2].Conversations != 4 {
			t.Errorf("daily activity after the purge: %+v %v", d1, err1)
		}
	}
	if again, err := s.Purge(ctx, t0.Add(time.Hour), false); err != nil || !again.Empty() {
		t.Errorf("second purge removed %s (%v), want nothing", again, err)
	}
}

func testPurgeContent(t *testing.T, s PrivacyStore, dump Dump) {
	ctx := context.Background()
	old, recent := newPerson("701"), newPerson("702")
	seed(t, s, old, t0)
	seed(t, s, recent, t0.Add(48*time.Hour))
	waiting := bot.Conversation{Channel: channel, ChatID: "+3460799", State: bot.StateWaiting, Lang: langFR}
	commit(t, s, bot.Change{Conversation: waiting, Handoff: &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "requested"}}})
	rm, err := s.Purge(ctx, t0.Add(24*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if rm.Conversations != 2 || len(rm.DeskThreads) != 1 || rm.Deliveries != 1 || rm.ChatStates != 1 {
		t.Errorf("removed %s", rm)
	}
	if left := leftovers(t, s, dump, old.secret, old.name, old.ref.ContactID); len(left) > 0 {
		t.Errorf("after the purge the tables still hold:\n%s", strings.Join(left, "\n"))
	}
	if left := leftovers(t, s, dump, recent.secret, recent.name, "purge"); len(left) < 3 {
		t.Errorf("the recent conversation or the audit line is gone: %v", left)
	}
	if _, err := s.Conversation(ctx, channel, old.ref.ContactID); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("purged conversation still found by its chat: %v", err)
	}
	// The waiting handoff was closed; the recent one was resolved already.
	if hs, err := s.Handoffs(ctx, bot.HandoffWaiting, bot.HandoffTaken); err != nil || len(hs) != 0 {
		t.Errorf("open handoffs after the purge: %+v %v", hs, err)
	}
	if out, err := s.OptedOut(ctx, channel, old.ref.ContactID); err != nil || !out {
		t.Errorf("opt-out after the purge: %v %v, want kept", out, err)
	}
}

// testPurgeConcurrent: purges run while clients write; every message
// committed is counted by the report afterwards, in a conversation that
// was either purged whole or kept whole.
func testPurgeConcurrent(t *testing.T, s PrivacyStore, _ Dump) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stored atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 6 {
		wg.Go(func() {
			for i := range 40 {
				if err := writeOne(ctx, s, fmt.Sprint("live", w), fmt.Sprint(w, "-", i)); err != nil {
					errs <- err
					return
				}
				stored.Add(1)
				if i%8 == 0 {
					time.Sleep(5 * time.Millisecond) // idle long enough to be purged
				}
			}
		})
	}
	var purged atomic.Int64
	purger := make(chan struct{})
	go func() {
		defer close(purger)
		for ctx.Err() == nil {
			rm, err := s.Purge(ctx, time.Now().Add(-2*time.Millisecond), false)
			if err != nil && ctx.Err() == nil {
				errs <- err
				return
			}
			purged.Add(int64(rm.Conversations))
		}
	}()
	wg.Wait()
	cancel()
	<-purger
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, err := s.Report(context.Background(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, ic := range r.TopIntents[langFR] {
		n += ic.Count
	}
	if int64(n) != stored.Load() {
		t.Fatalf("report counts %d messages, %d were stored (%d conversations purged)", n, stored.Load(), purged.Load())
	}
	t.Logf("%d messages, %d conversations purged on the way", n, purged.Load())
}

// writeOne commits one client message to a chat as the engine does: read,
// decide, commit, and on a conflict read again.
func writeOne(ctx context.Context, s bot.Store, chat, pid string) error {
	for range 50 {
		c, err := s.Conversation(ctx, channel, chat)
		if errors.Is(err, bot.ErrNotFound) {
			c, err = bot.Conversation{Channel: channel, ChatID: chat, ContactID: "+c" + chat, State: bot.StateBot, Lang: langFR}, nil
		}
		if err != nil {
			return err
		}
		in := &bot.Entry{Kind: bot.KindClient, Author: c.ContactID, Text: "text " + pid, PlatformID: pid, Intent: forgot,
			Lang: langFR, Verdict: answer, At: time.Now()}
		_, err = s.Commit(ctx, bot.Change{Inbound: in, Conversation: c, At: time.Now(),
			Contact: &bot.Contact{Channel: channel, ContactID: "+c" + chat, Name: "n" + chat, Lang: langFR}})
		if !errors.Is(err, bot.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("message %s: too many conflicts", pid)
}
