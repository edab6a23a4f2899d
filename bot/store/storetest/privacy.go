package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// PrivacyStore is what the privacy suite needs: the Store, bot.Privacy,
// the channels' per-chat state and the Slack thread of a handoff.
type PrivacyStore interface {
	bot.Store
	bot.Privacy
	SetOptOut(ctx context.Context, channel, chatID string, out bool) error
	OptedOut(ctx context.Context, channel, chatID string) (bool, error)
	SetLastInbound(ctx context.Context, channel, chatID string, t time.Time) error
	SaveSlackThread(ctx context.Context, handoffID, convID int64, channel, ts string) error
}

// Dump returns every value of every row of every table of s, as text.
type Dump func(t *testing.T, s PrivacyStore) []string

// RunPrivacy runs the bot.Privacy suite; open returns a fresh, empty
// store for each subtest and dump reads all of its tables.
func RunPrivacy(t *testing.T, open func(t *testing.T) PrivacyStore, dump Dump) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s PrivacyStore, dump Dump)
	}{
		{"export holds every message", testExport},
		{"erase leaves no trace", testErase},
		{"erase keeps language and opt-out", testEraseKeeps},
		{"purge keeps the report", testPurgeReport},
		{"purge removes content", testPurgeContent},
		{"purge while messages arrive", testPurgeConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t), dump) })
	}
}

// Literals rather than the bot package's constants, which are being
// reorganised.
const (
	forgot  = intentA
	answer  = bot.Verdict("answer")
	client  = bot.Audience("client")
	channel = "sms"
)

// person is one client's data, every piece of it marked with secret so a
// scan of the tables can find what is left.
type person struct {
	ref    bot.ContactRef
	name   string
	secret string
	texts  []string // every message text written for this person
	convID int64
}

func newPerson(tag string) *person {
	return &person{ref: bot.ContactRef{Channel: channel, ContactID: "+3460" + tag}, name: "Name" + tag, secret: "secret" + tag}
}

// seed writes a conversation for p with every kind of record: messages,
// a delivered reply, a note, a resolved handoff with CSAT, feedback, a
// Slack thread, an opt-out and a messaging window, at time at.
func seed(t *testing.T, s PrivacyStore, p *person, at time.Time) {
	t.Helper()
	ctx := context.Background()
	c := bot.Conversation{Channel: channel, ChatID: p.ref.ContactID, ContactID: p.ref.ContactID, State: bot.StateBot, Lang: langFR,
		Audience: client, Caps: bot.Capabilities{MaxLen: 1600, ShortForm: true}}
	text := func(what string) string {
		x := p.secret + " " + what
		p.texts = append(p.texts, x)
		return x
	}
	in := &bot.Entry{Kind: bot.KindClient, Author: p.ref.ContactID, Text: text("hello"), PlatformID: "pid-" + p.secret,
		Intent: forgot, Lang: langFR, Verdict: answer, Confidence: 0.9, At: at}
	o := bot.Outbound{Channel: channel, ChatID: p.ref.ContactID, Lang: langFR, Kind: bot.KindBot,
		Reply: bot.Reply{Text: text("reply"), Buttons: []bot.Button{{Label: p.secret + " yes", Payload: "yes"}}}}
	res := commit(t, s, bot.Change{Inbound: in, Conversation: c, At: at, Out: []bot.Outbound{o},
		Contact:  &bot.Contact{Channel: channel, ContactID: p.ref.ContactID, Name: p.name, Lang: langFR, Audience: client},
		Feedback: []bot.Feedback{{Intent: forgot, Lang: langFR, Helpful: false}},
		Handoff:  &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "unhelpful", Lang: langFR}}})
	p.convID = res.ConvID
	c.ID, c.Version = res.ConvID, res.Version
	deliver(t, s, res.OutboxIDs, "out-"+p.secret, at)
	h, err := s.Handoff(ctx, res.HandoffID)
	if err != nil {
		t.Fatal(err)
	}
	h.Status, h.Agent, h.ResolvedAt = bot.HandoffResolved, "agent-ana", at.Add(time.Minute)
	res = commit(t, s, bot.Change{Conversation: c, At: at, Handoff: &bot.HandoffChange{H: h}, CSAT: &bot.CSAT{HandoffID: h.ID, Score: 4},
		Entries: []bot.Entry{{Kind: bot.KindNote, Author: "agent-ana", Text: text("note")}}})
	if err := s.SaveSlackThread(ctx, h.ID, p.convID, "CAGENTS", "1700000000."+strings.TrimPrefix(p.ref.ContactID, "+")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLastInbound(ctx, channel, p.ref.ContactID, at); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOptOut(ctx, channel, p.ref.ContactID, true); err != nil {
		t.Fatal(err)
	}
}

// deliver claims and marks sent the given outbox rows.
func deliver(t *testing.T, s PrivacyStore, ids []int64, pid string, at time.Time) {
	t.Helper()
	items, err := s.ClaimOutbox(context.Background(), []string{channel}, at.Add(time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	var rs []bot.DeliveryResult
	for _, it := range items {
		rs = append(rs, bot.DeliveryResult{ID: it.ID, Sent: true, PlatformID: pid, At: at})
	}
	if len(rs) != len(ids) {
		t.Fatalf("claimed %d rows, want %d", len(rs), len(ids))
	}
	if err := s.MarkDelivered(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

// shared writes a group conversation where p and someone else wrote.
func shared(t *testing.T, s PrivacyStore, p *person, at time.Time) {
	t.Helper()
	c := bot.Conversation{Channel: channel, ChatID: "group-chat", ContactID: "+other", State: bot.StateBot, Lang: langFR}
	mine := p.secret + " in the group"
	p.texts = append(p.texts, mine)
	in := func(author, text, pid string) *bot.Entry {
		return &bot.Entry{Kind: bot.KindClient, Author: author, Text: text, PlatformID: pid, Lang: langFR, At: at}
	}
	c.ContactID = p.ref.ContactID
	res := commit(t, s, bot.Change{Conversation: c, At: at, Inbound: in(p.ref.ContactID, mine, "group-1")})
	c.ID, c.Version, c.ContactID = res.ConvID, res.Version, "+other"
	commit(t, s, bot.Change{Conversation: c, At: at, Inbound: in("+other", "the other client's words", "group-2")})
}

// leftovers lists the values of the tables that still hold one of what.
func leftovers(t *testing.T, s PrivacyStore, dump Dump, what ...string) []string {
	t.Helper()
	var out []string
	for _, v := range dump(t, s) {
		for _, w := range what {
			if strings.Contains(v, w) {
				out = append(out, fmt.Sprintf("%q (has %q)", v, w))
			}
		}
	}
	return out
}

func testExport(t *testing.T, s PrivacyStore, _ Dump) {
	ctx := context.Background()
	p, other := newPerson("111"), newPerson("222")
	seed(t, s, p, t0)
	seed(t, s, other, t0)
	shared(t, s, p, t0)
	x, err := s.ExportContact(ctx, p.ref)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range x.Conversations {
		for _, m := range c.Messages {
			got[m.Text] = true
			if m.At == nil || m.At.IsZero() {
				t.Errorf("message %q without time", m.Text)
			}
		}
	}
	for _, m := range x.Elsewhere {
		got[m.Text] = true
	}
	for _, want := range p.texts {
		if !got[want] {
			t.Errorf("export misses message %q", want)
		}
	}
	if len(got) != len(p.texts) || x.Messages() != len(p.texts) {
		t.Errorf("export holds %d messages (%v), want exactly %d", x.Messages(), got, len(p.texts))
	}
	checkExportRecords(t, x, p)
	if _, err := s.ExportContact(ctx, bot.ContactRef{Channel: channel, ContactID: "+nobody"}); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("export of an unknown contact: %v, want ErrNotFound", err)
	}
}

func checkExportRecords(t *testing.T, x bot.ContactExport, p *person) {
	t.Helper()
	if x.Contact == nil || x.Contact.Name != p.name || x.Contact.Lang != langFR {
		t.Fatalf("contact record %+v", x.Contact)
	}
	if len(x.Conversations) != 1 {
		t.Fatalf("%d conversations, want 1 (the group is shared)", len(x.Conversations))
	}
	c := x.Conversations[0]
	if len(c.Handoffs) != 1 || c.Handoffs[0].CSAT != 4 || c.Handoffs[0].Status != bot.HandoffResolved {
		t.Errorf("handoffs %+v", c.Handoffs)
	}
	if len(c.Feedback) != 1 || c.Feedback[0].Helpful {
		t.Errorf("feedback %+v", c.Feedback)
	}
	if len(c.Deliveries) != 1 || c.Deliveries[0].Status != bot.OutboxSent || c.Deliveries[0].SentAt == nil {
		t.Errorf("deliveries %+v", c.Deliveries)
	}
	if len(x.ChatStates) != 1 || !x.ChatStates[0].OptedOut || x.ChatStates[0].LastInbound == nil {
		t.Errorf("chat states %+v", x.ChatStates)
	}
}

func testErase(t *testing.T, s PrivacyStore, dump Dump) {
	ctx := context.Background()
	p, other := newPerson("333"), newPerson("444")
	seed(t, s, p, t0)
	seed(t, s, other, t0)
	shared(t, s, p, t0)
	if n := len(leftovers(t, s, dump, p.secret, p.name, p.ref.ContactID)); n == 0 {
		t.Fatal("the dump does not see the seeded data")
	}
	rm, err := s.EraseContact(ctx, p.ref, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rm.Contacts != 1 || rm.Conversations != 1 || rm.Messages != 4 || rm.Handoffs != 1 || rm.Feedback != 1 ||
		rm.Deliveries != 1 || rm.ChatStates != 1 || len(rm.DeskThreads) != 1 {
		t.Errorf("removed %s", rm)
	}
	if left := leftovers(t, s, dump, p.secret, p.name, p.ref.ContactID); len(left) > 0 {
		t.Errorf("after erasure the tables still hold:\n%s", strings.Join(left, "\n"))
	}
	if left := leftovers(t, s, dump, other.secret, other.name, "the other client's words", "erase"); len(left) < 4 {
		t.Errorf("the other client's data or the audit line is gone: %v", left)
	}
	if _, err := s.Conversation(ctx, channel, p.ref.ContactID); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("conversation after erasure: %v, want ErrNotFound", err)
	}
	if _, err := s.ExportContact(ctx, p.ref); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("export after erasure: %v, want ErrNotFound", err)
	}
	if _, err := s.EraseContact(ctx, p.ref, t0); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("second erasure: %v, want ErrNotFound", err)
	}
}

func testEraseKeeps(t *testing.T, s PrivacyStore, _ Dump) {
	ctx := context.Background()
	p := newPerson("555")
	seed(t, s, p, t0)
	if _, err := s.EraseContact(ctx, p.ref, t0); err != nil {
		t.Fatal(err)
	}
	ct, err := s.Contact(ctx, channel, p.ref.ContactID)
	if err != nil || ct.Name != "" || ct.Lang != langFR {
		t.Fatalf("contact after erasure: %+v %v, want only the language", ct, err)
	}
	steps := []struct {
		name string
		do   func() error
		want bool
	}{
		{"after erasure", func() error { return nil }, true},
		{"after a new message", func() error { return s.SetLastInbound(ctx, channel, p.ref.ContactID, t0.Add(time.Hour)) }, true},
		{"after START", func() error { return s.SetOptOut(ctx, channel, p.ref.ContactID, false) }, false},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatal(err)
		}
		if out, err := s.OptedOut(ctx, channel, p.ref.ContactID); err != nil || out != st.want {
			t.Errorf("opted out %s: %v %v, want %v", st.name, out, err, st.want)
		}
	}
	if out, _ := s.OptedOut(ctx, channel, "+nobody"); out {
		t.Error("an unknown chat is opted out")
	}
}
