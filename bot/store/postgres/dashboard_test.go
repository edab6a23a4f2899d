package postgres

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// dashStore is what the dashboard fixture writes and reads.
type dashStore interface {
	Commit(ctx context.Context, c bot.Change) (bot.Committed, error)
	ListConversations(ctx context.Context, f bot.ConversationFilter) ([]bot.ConversationSummary, error)
	DailyActivity(ctx context.Context, since time.Time) ([]bot.DayActivity, error)
}

// dashFixture commits five conversations over the last days through
// Commit, as the engine would, and returns their ids by name and the UTC
// midnight they are relative to.
func dashFixture(t *testing.T, s dashStore) (map[string]int64, time.Time) {
	t.Helper()
	ctx := context.Background()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	at := func(day, hour int) time.Time { return today.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }
	convs := map[string]*bot.Conversation{}
	ids := map[string]int64{}
	commit := func(name string, when time.Time, ch bot.Change) bot.Committed {
		t.Helper()
		ch.Conversation, ch.At = *convs[name], when
		res, err := s.Commit(ctx, ch)
		if err != nil {
			t.Fatalf("commit %s: %v", name, err)
		}
		convs[name].ID, convs[name].Version = res.ConvID, res.Version
		if res.HandoffID != 0 { // as the engine does: later commits keep it
			convs[name].HandoffID = res.HandoffID
		}
		ids[name] = res.ConvID
		return res
	}
	inbound := func(when time.Time) *bot.Entry {
		return &bot.Entry{Kind: bot.KindClient, Author: "client", Text: "hola", At: when}
	}
	add := func(name string, c bot.Conversation) { convs[name] = &c }

	// a: Telegram, Spanish, answered on day -2 and found helpful (twice:
	// still one resolved conversation).
	add("a", bot.Conversation{Channel: "telegram", ChatID: "tg-a", ContactID: "ua", State: bot.StateBot, Lang: bot.Lang("es")})
	commit("a", at(-2, 1), bot.Change{Inbound: inbound(at(-2, 1)),
		Contact: &bot.Contact{Channel: "telegram", ContactID: "ua", Name: "Ana", Lang: bot.Lang("es")},
		Out:     []bot.Outbound{{Channel: "telegram", ChatID: "tg-a", Kind: bot.KindBot, Reply: bot.Reply{Text: "respuesta"}}}})
	commit("a", at(-2, 2), bot.Change{Feedback: []bot.Feedback{{Intent: "x", Lang: bot.Lang("es"), Helpful: true},
		{Intent: "y", Lang: bot.Lang("es"), Helpful: true}}})

	// b: SMS, French, handed off on day -1, writes twice more today.
	add("b", bot.Conversation{Channel: "twilio", ChatID: "tw-b", ContactID: "ub", State: bot.StateWaiting, Lang: bot.Lang("fr")})
	commit("b", at(-1, 3), bot.Change{Inbound: inbound(at(-1, 3)),
		Contact: &bot.Contact{Channel: "twilio", ContactID: "ub", Name: "Bea", Lang: bot.Lang("fr")},
		Handoff: &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "asked", Lang: bot.Lang("fr")}}})
	commit("b", at(0, 1), bot.Change{Inbound: inbound(at(0, 1))})
	commit("b", at(0, 2), bot.Change{Inbound: inbound(at(0, 2))})

	// c: Telegram, English, today, answer not helpful.
	add("c", bot.Conversation{Channel: "telegram", ChatID: "tg-c", ContactID: "uc", State: bot.StateBot, Lang: bot.Lang("en")})
	commit("c", at(0, 3), bot.Change{Inbound: inbound(at(0, 3)),
		Feedback: []bot.Feedback{{Intent: "x", Lang: bot.Lang("en"), Helpful: false}}})

	// e: Discord, Spanish, all on day -5; its contact id matches a's
	// contact on another channel, whose name must not leak.
	add("e", bot.Conversation{Channel: "discord", ChatID: "dc-e", ContactID: "ua", State: bot.StateResolved, Lang: bot.Lang("es")})
	commit("e", at(-5, 1), bot.Change{Inbound: inbound(at(-5, 1)),
		Entries:  []bot.Entry{{Kind: bot.KindNote, Author: "zoe", Text: "note"}},
		Handoff:  &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "asked", Lang: bot.Lang("es")}},
		Feedback: []bot.Feedback{{Intent: "x", Lang: bot.Lang("es"), Helpful: true}}})

	// f: Telegram, Spanish, handed off and taken on day -1.
	add("f", bot.Conversation{Channel: "telegram", ChatID: "tg-f", ContactID: "uf", State: bot.StateWaiting, Lang: bot.Lang("es")})
	res := commit("f", at(-1, 5), bot.Change{Inbound: inbound(at(-1, 5)),
		Handoff: &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "asked", Lang: bot.Lang("es")}}})
	convs["f"].State, convs["f"].Agent = bot.StateWithAgt, "zoe"
	commit("f", at(-1, 6), bot.Change{Handoff: &bot.HandoffChange{H: bot.Handoff{ID: res.HandoffID,
		Status: bot.HandoffTaken, Agent: "zoe", TakenAt: at(-1, 6)}}})
	return ids, today
}

// testListConversations checks filters, order (last updated first),
// limit, contact names and transcript lengths.
func testListConversations(t *testing.T, s dashStore) {
	ids, today := dashFixture(t, s)
	type row struct {
		name     string
		contact  string
		messages int
	}
	a, b, c, e, f := row{"a", "Ana", 2}, row{"b", "Bea", 3}, row{"c", "", 1}, row{"e", "", 2}, row{"f", "", 1}
	tests := []struct {
		name string
		f    bot.ConversationFilter
		want []row
	}{
		{"all", bot.ConversationFilter{}, []row{c, b, f, a, e}},
		{"negative limit is the default", bot.ConversationFilter{Limit: -1}, []row{c, b, f, a, e}},
		{"state", bot.ConversationFilter{State: bot.StateBot}, []row{c, a}},
		{"state with agent", bot.ConversationFilter{State: bot.StateWithAgt}, []row{f}},
		{"channel", bot.ConversationFilter{Channel: "telegram"}, []row{c, f, a}},
		{"lang", bot.ConversationFilter{Lang: bot.Lang("es")}, []row{f, a, e}},
		{"channel and lang", bot.ConversationFilter{Channel: "telegram", Lang: bot.Lang("es")}, []row{f, a}},
		{"all three", bot.ConversationFilter{State: bot.StateWaiting, Channel: "twilio", Lang: bot.Lang("fr")}, []row{b}},
		{"limit", bot.ConversationFilter{Limit: 2}, []row{c, b}},
		{"limit with filter", bot.ConversationFilter{Lang: bot.Lang("es"), Limit: 1}, []row{f}},
		{"no match", bot.ConversationFilter{Channel: "slack"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListConversations(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d conversations %v, want %v", len(got), summaryIDs(got), tt.want)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.ID != ids[w.name] || g.Name != w.contact || g.Messages != w.messages {
					t.Errorf("row %d: id %d name %q messages %d, want %s (id %d) name %q messages %d",
						i, g.ID, g.Name, g.Messages, w.name, ids[w.name], w.contact, w.messages)
				}
			}
		})
	}
	// The embedded conversation is read whole.
	got, err := s.ListConversations(context.Background(), bot.ConversationFilter{Channel: "twilio"})
	if err != nil || len(got) != 1 {
		t.Fatalf("twilio: %v, %v", got, err)
	}
	if cv := got[0].Conversation; cv.ChatID != "tw-b" || cv.ContactID != "ub" || cv.State != bot.StateWaiting ||
		cv.Lang != bot.Lang("fr") || cv.Version != 3 || cv.HandoffID == 0 ||
		!cv.CreatedAt.Equal(today.AddDate(0, 0, -1).Add(3*time.Hour)) || !cv.UpdatedAt.Equal(today.Add(2*time.Hour)) {
		t.Errorf("conversation b read as %+v", cv)
	}
}

func summaryIDs(cs []bot.ConversationSummary) []int64 {
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// testDailyActivity checks the per-day buckets: whole UTC days from the
// day of since to today, empty days included.
func testDailyActivity(t *testing.T, s dashStore) {
	_, today := dashFixture(t, s)
	day := func(n, conv, resolved, handed int) bot.DayActivity {
		return bot.DayActivity{Day: today.AddDate(0, 0, n), Conversations: conv, ResolvedByBot: resolved, HandedOff: handed}
	}
	tests := []struct {
		name  string
		since time.Time
		want  []bot.DayActivity
	}{
		// a's activity at 01:00 on day -2 counts: since is truncated to its day.
		{"three days", today.AddDate(0, 0, -2).Add(6 * time.Hour), []bot.DayActivity{
			day(-2, 1, 1, 0), day(-1, 2, 0, 2), day(0, 2, 0, 0)}},
		{"since in another zone", today.AddDate(0, 0, -1).Add(4 * time.Hour).In(time.FixedZone("x", -10*3600)),
			[]bot.DayActivity{day(-1, 2, 0, 2), day(0, 2, 0, 0)}},
		{"with empty days", today.AddDate(0, 0, -6), []bot.DayActivity{
			day(-6, 0, 0, 0), day(-5, 1, 1, 1), day(-4, 0, 0, 0), day(-3, 0, 0, 0),
			day(-2, 1, 1, 0), day(-1, 2, 0, 2), day(0, 2, 0, 0)}},
		{"today", today, []bot.DayActivity{day(0, 2, 0, 0)}},
		{"future", today.AddDate(0, 0, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.DailyActivity(context.Background(), tt.since)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, func(g, w bot.DayActivity) bool {
				return g.Day.Equal(w.Day) && g.Day.Location() == time.UTC && g.Conversations == w.Conversations &&
					g.ResolvedByBot == w.ResolvedByBot && g.HandedOff == w.HandedOff
			}) {
				t.Errorf("got\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestListConversations(t *testing.T) {
	t.Parallel()
	testListConversations(t, openFresh(t))
}

func TestDailyActivity(t *testing.T) {
	t.Parallel()
	testDailyActivity(t, openFresh(t))
}
