package intents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Case is one labelled evaluation line.
type Case struct {
	Text   string     `json:"text"`
	Intent bot.Intent `json:"intent"`
	Lang   bot.Lang   `json:"lang"`
	Style  string     `json:"style,omitempty"` // how it is written: sms, long, staff...
}

// ReadCases reads JSON lines of cases. Blank lines are skipped; a broken
// line or one without an intent is an error naming the line number.
func ReadCases(r io.Reader) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Case
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("intents: eval line %d: %w", n, err)
		}
		if c.Intent == "" {
			return nil, fmt.Errorf("intents: eval line %d: no intent", n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("intents: read eval cases: %w", err)
	}
	return out, nil
}

// Report is the outcome of an evaluation run.
type Report struct {
	N             int                        `json:"n"`
	Correct       int                        `json:"correct"`
	Accuracy      float64                    `json:"accuracy"`
	LangAccuracy  float64                    `json:"lang_accuracy"`
	PerLang       map[bot.Lang]LangStats     `json:"per_lang"`
	PerIntent     map[bot.Intent]IntentStats `json:"per_intent"`
	NonePrecision float64                    `json:"none_precision"`
	NoneRecall    float64                    `json:"none_recall"`
	Verdicts      map[bot.Verdict]int        `json:"verdicts"`
	Confusions    []Confusion                `json:"confusions"`
	Misses        []Miss                     `json:"misclassified"`
	Order         []bot.Intent               `json:"-"` // intents in first-seen order, for the table
	LangMisses    []LangMiss                 `json:"lang_misses"`
	P50US         float64                    `json:"p50_us"`
	P99US         float64                    `json:"p99_us"`
}

// LangStats is the accuracy on the cases written in one language.
type LangStats struct {
	N            int     `json:"n"`
	Accuracy     float64 `json:"accuracy"`
	LangAccuracy float64 `json:"lang_accuracy"`
}

// IntentStats are one intent's precision, recall and F1.
type IntentStats struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
	Predicted int     `json:"predicted"`
}

// Confusion counts cases of one intent predicted as another.
type Confusion struct {
	Want  bot.Intent `json:"want"`
	Got   bot.Intent `json:"got"`
	Count int        `json:"count"`
}

// Miss is one misclassified case.
type Miss struct {
	Text       string      `json:"text"`
	Lang       bot.Lang    `json:"lang"`
	Want       bot.Intent  `json:"want"`
	Got        bot.Intent  `json:"got"`
	Confidence float64     `json:"confidence"`
	Verdict    bot.Verdict `json:"verdict"`
}

// LangMiss is one case whose language was detected wrong.
type LangMiss struct {
	Text string   `json:"text"`
	Want bot.Lang `json:"want"`
	Got  bot.Lang `json:"got"`
}

// maxConfusions is how many of the most frequent confusions a report keeps.
const maxConfusions = 10

// Predicted is the intent a match counts as in an evaluation: the top
// intent, except that for a clarify verdict the best ranked intent counts
// and for a none verdict the out-of-scope intent.
func Predicted(m bot.Match) bot.Intent {
	switch {
	case m.Verdict == bot.VerdictClarify && len(m.Ranked) > 0:
		return m.Ranked[0].Intent
	case m.Verdict == bot.VerdictNone:
		return orNone(m.None)
	}
	return m.Top()
}

// orNone names the out-of-scope label of a knowledge base without one.
func orNone(i bot.Intent) bot.Intent {
	if i == bot.NoIntent {
		return "none"
	}
	return i
}

// Evaluate runs every case through m with no hints and measures accuracy,
// language accuracy and per-call latency.
func Evaluate(m bot.Matcher, cases []Case) Report {
	r := Report{
		N:         len(cases),
		PerLang:   map[bot.Lang]LangStats{},
		PerIntent: map[bot.Intent]IntentStats{},
		Verdicts:  map[bot.Verdict]int{},
	}
	type counts struct{ tp, support, predicted int }
	ic := map[bot.Intent]*counts{}
	get := func(i bot.Intent) *counts {
		if ic[i] == nil {
			ic[i] = &counts{}
		}
		return ic[i]
	}
	type lcount struct{ n, ok, langN, langOK int }
	lc := map[bot.Lang]*lcount{}
	conf := map[[2]bot.Intent]int{}
	lat := make([]float64, 0, len(cases))
	langN, langOK := 0, 0
	noneLabel := bot.NoIntent
	if len(cases) > 0 {
		m.Match(cases[0].Text, bot.MatchHints{}) // warm up caches before timing
	}
	for _, c := range cases {
		start := time.Now()
		res := m.Match(c.Text, bot.MatchHints{})
		lat = append(lat, float64(time.Since(start).Nanoseconds())/1e3)

		got := Predicted(res)
		if res.Verdict == bot.VerdictNone {
			noneLabel = orNone(res.None)
		}
		r.Order = appendNew(appendNew(r.Order, c.Intent), got)
		r.Verdicts[res.Verdict]++
		get(c.Intent).support++
		get(got).predicted++
		l := lc[c.Lang]
		if l == nil {
			l = &lcount{}
			lc[c.Lang] = l
		}
		l.n++
		if got == c.Intent {
			r.Correct++
			get(got).tp++
			l.ok++
		} else {
			conf[[2]bot.Intent{c.Intent, got}]++
			confidence := 0.0
			if len(res.Ranked) > 0 && res.Verdict != bot.VerdictNone {
				confidence = res.Ranked[0].Confidence
			}
			r.Misses = append(r.Misses, Miss{Text: c.Text, Lang: c.Lang, Want: c.Intent, Got: got, Confidence: confidence, Verdict: res.Verdict})
		}
		if c.Lang != "" {
			langN++
			l.langN++
			if res.Lang == c.Lang {
				langOK++
				l.langOK++
			} else {
				r.LangMisses = append(r.LangMisses, LangMiss{Text: c.Text, Want: c.Lang, Got: res.Lang})
			}
		}
	}
	r.Accuracy = ratio(r.Correct, r.N)
	r.LangAccuracy = ratio(langOK, langN)
	for lang, l := range lc {
		r.PerLang[lang] = LangStats{N: l.n, Accuracy: ratio(l.ok, l.n), LangAccuracy: ratio(l.langOK, l.langN)}
	}
	for in, k := range ic {
		p, rc := ratio(k.tp, k.predicted), ratio(k.tp, k.support)
		f1 := 0.0
		if p+rc > 0 {
			f1 = 2 * p * rc / (p + rc)
		}
		r.PerIntent[in] = IntentStats{Precision: p, Recall: rc, F1: f1, Support: k.support, Predicted: k.predicted}
	}
	if s, ok := r.PerIntent[noneLabel]; ok && noneLabel != "" {
		r.NonePrecision, r.NoneRecall = s.Precision, s.Recall
	}
	for k, n := range conf {
		r.Confusions = append(r.Confusions, Confusion{Want: k[0], Got: k[1], Count: n})
	}
	sort.Slice(r.Confusions, func(i, j int) bool {
		a, b := r.Confusions[i], r.Confusions[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Want != b.Want {
			return a.Want < b.Want
		}
		return a.Got < b.Got
	})
	if len(r.Confusions) > maxConfusions {
		r.Confusions = r.Confusions[:maxConfusions]
	}
	sort.Float64s(lat)
	r.P50US, r.P99US = percentile(lat, 0.50), percentile(lat, 0.99)
	return r
}

func appendNew(s []bot.Intent, i bot.Intent) []bot.Intent {
	for _, x := range s {
		if x == i {
			return s
		}
	}
	return append(s, i)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// percentile returns the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// WriteText writes the report for people: overall and per-language
// accuracy, the per-intent table, none precision/recall, language accuracy,
// top confusions, every misclassified line and the latency.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cases: %d\n", r.N)
	fmt.Fprintf(&b, "accuracy: %.1f%% (%d/%d)\n", 100*r.Accuracy, r.Correct, r.N)
	b.WriteString("\nper language:\n")
	for _, l := range sortedLangs(r.PerLang) {
		s := r.PerLang[l]
		name := string(l)
		if name == "" {
			name = "?"
		}
		fmt.Fprintf(&b, "  %-3s n=%-4d accuracy %5.1f%%  language %5.1f%%\n", name, s.N, 100*s.Accuracy, 100*s.LangAccuracy)
	}
	b.WriteString("\nper intent:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  intent\tprecision\trecall\tf1\tsupport\t")
	for _, in := range r.Order {
		s, ok := r.PerIntent[in]
		if !ok {
			continue
		}
		fmt.Fprintf(tw, "  %s\t%.3f\t%.3f\t%.3f\t%d\t\n", in, s.Precision, s.Recall, s.F1, s.Support)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("intents: write report: %w", err)
	}
	fmt.Fprintf(&b, "\nnone (out of scope): precision %.3f recall %.3f\n", r.NonePrecision, r.NoneRecall)
	fmt.Fprintf(&b, "language accuracy: %.1f%%\n", 100*r.LangAccuracy)
	fmt.Fprintf(&b, "verdicts: answer %d, clarify %d, none %d\n", r.Verdicts[bot.VerdictAnswer], r.Verdicts[bot.VerdictClarify], r.Verdicts[bot.VerdictNone])
	b.WriteString("\ntop confusions:\n")
	if len(r.Confusions) == 0 {
		b.WriteString("  (none)\n")
	}
	for _, c := range r.Confusions {
		fmt.Fprintf(&b, "  %-20s -> %-20s %d\n", c.Want, c.Got, c.Count)
	}
	fmt.Fprintf(&b, "\nmisclassified (%d):\n", len(r.Misses))
	for _, m := range r.Misses {
		fmt.Fprintf(&b, "  [%s] want %s, got %s (%.2f, %s): %q\n", m.Lang, m.Want, m.Got, m.Confidence, m.Verdict, m.Text)
	}
	if len(r.LangMisses) > 0 {
		fmt.Fprintf(&b, "\nlanguage misses (%d):\n", len(r.LangMisses))
		for _, m := range r.LangMisses {
			fmt.Fprintf(&b, "  want %s, got %s: %q\n", m.Want, m.Got, m.Text)
		}
	}
	fmt.Fprintf(&b, "\nlatency: p50 %.0fµs, p99 %.0fµs\n", r.P50US, r.P99US)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("intents: write report: %w", err)
	}
	return nil
}

func sortedLangs(m map[bot.Lang]LangStats) []bot.Lang {
	out := make([]bot.Lang, 0, len(m))
	for l := range m {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
