package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// runReport prints the bot's outcomes: containment, handoffs, CSAT,
// unhelpful answers, top intents and content gaps.
func runReport(ctx context.Context, args []string, e env) error {
	var d dataFlags
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	d.register(fs, e)
	since := fs.String("since", "7d", "period: a duration such as 7d, 24h or 30m")
	asJSON := fs.Bool("json", false, "print JSON")
	gaps := fs.Int("gaps", 20, "list at most this many unmatched messages")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	dur, err := parseSince(*since)
	if err != nil {
		return fmt.Errorf("--since %q: %v: %w", *since, err, errUsage)
	}
	st, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := st.Report(ctx, time.Now().Add(-dur), *gaps)
	if err != nil {
		return err
	}
	rep := newReport(r)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := e.stdout
	fmt.Fprintf(w, "since %s\n\n", r.Since.Format(time.RFC3339))
	fmt.Fprintf(w, "conversations       %d\n", rep.Conversations)
	fmt.Fprintf(w, "resolved by the bot %d (containment %.1f%%)\n", rep.ResolvedByBot, rep.Containment*100)
	fmt.Fprintf(w, "handed off          %d\n", rep.HandedOff)
	if rep.CSATCount > 0 {
		fmt.Fprintf(w, "average CSAT        %.2f / 5 (%d scores)\n", rep.CSATAverage, rep.CSATCount)
	} else {
		fmt.Fprintf(w, "average CSAT        - (no scores)\n")
	}
	fmt.Fprintf(w, "\nanswers marked unhelpful:\n")
	if len(rep.Unhelpful) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, u := range rep.Unhelpful {
		fmt.Fprintf(w, "  %-22s %d\n", u.Intent, u.Count)
	}
	fmt.Fprintf(w, "\ntop intents per language:\n")
	if len(rep.TopIntents) == 0 {
		fmt.Fprintln(w, "  none")
	}
	langs := make([]bot.Lang, 0, len(rep.TopIntents))
	for l := range rep.TopIntents {
		langs = append(langs, l)
	}
	sort.Slice(langs, func(i, j int) bool { return langs[i] < langs[j] })
	for _, l := range langs {
		ics := rep.TopIntents[l]
		if len(ics) == 0 {
			continue
		}
		parts := make([]string, 0, 5)
		for _, ic := range ics[:min(5, len(ics))] {
			parts = append(parts, fmt.Sprintf("%s %d", ic.Intent, ic.Count))
		}
		fmt.Fprintf(w, "  %s: %s\n", l, strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "\nmessages not understood (content gaps): %d\n", rep.UnmatchedTotal)
	for _, g := range rep.Unmatched {
		text := strconv.Quote(cutText(g.Text, 120))
		if g.Text == "" {
			text = "(content removed by retention)"
		}
		fmt.Fprintf(w, "  [%s %s] %s\n", g.At.Format("2006-01-02 15:04"), g.Lang, text)
	}
	return nil
}

type intentCount struct {
	Intent bot.Intent `json:"intent"`
	Count  int        `json:"count"`
}

type gap struct {
	Text string    `json:"text"`
	Lang bot.Lang  `json:"lang"`
	At   time.Time `json:"at"`
}

// report is the JSON form of `supportbot report`.
type report struct {
	Since          time.Time                  `json:"since"`
	Conversations  int                        `json:"conversations"`
	ResolvedByBot  int                        `json:"resolved_by_bot"`
	Containment    float64                    `json:"containment_rate"`
	HandedOff      int                        `json:"handed_off"`
	CSATCount      int                        `json:"csat_count"`
	CSATAverage    float64                    `json:"csat_average"`
	Unhelpful      []intentCount              `json:"unhelpful"`
	TopIntents     map[bot.Lang][]intentCount `json:"top_intents"`
	UnmatchedTotal int                        `json:"unmatched_total"`
	Unmatched      []gap                      `json:"unmatched"`
}

func newReport(r bot.ReportData) report {
	rep := report{Since: r.Since, Conversations: r.Conversations, ResolvedByBot: r.ResolvedByBot, HandedOff: r.HandedOff,
		CSATCount: r.CSATCount, CSATAverage: r.CSATAverage, UnmatchedTotal: r.UnmatchedTotal,
		Unhelpful: []intentCount{}, TopIntents: map[bot.Lang][]intentCount{}, Unmatched: []gap{}}
	if r.Conversations > 0 {
		rep.Containment = float64(r.ResolvedByBot) / float64(r.Conversations)
	}
	for i, n := range r.Unhelpful {
		rep.Unhelpful = append(rep.Unhelpful, intentCount{i, n})
	}
	sort.Slice(rep.Unhelpful, func(a, b int) bool {
		if rep.Unhelpful[a].Count != rep.Unhelpful[b].Count {
			return rep.Unhelpful[a].Count > rep.Unhelpful[b].Count
		}
		return rep.Unhelpful[a].Intent < rep.Unhelpful[b].Intent
	})
	for l, ics := range r.TopIntents {
		for _, ic := range ics {
			rep.TopIntents[l] = append(rep.TopIntents[l], intentCount{ic.Intent, ic.Count})
		}
	}
	for _, u := range r.Unmatched {
		rep.Unmatched = append(rep.Unmatched, gap{u.Text, u.Lang, u.At})
	}
	return rep
}

// parseSince reads "7d" as well as Go durations ("36h", "90m").
func parseSince(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("want a positive number of days")
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 7d or 12h")
	}
	return d, nil
}

func cutText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
