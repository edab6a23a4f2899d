package intents

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/bot"
)

// fakeMatcher answers from a fixed table.
type fakeMatcher map[string]bot.Match

func (f fakeMatcher) Match(text string, _ bot.MatchHints) bot.Match { return f[text] }

func answer(in bot.Intent, l bot.Lang, v bot.Verdict) bot.Match {
	return bot.Match{Ranked: []bot.Scored{{Intent: in, Confidence: 0.6}, {Intent: bot.Intent("greeting"), Confidence: 0.3}}, Lang: l, Verdict: v}
}

func withNone(m bot.Match) bot.Match {
	m.None, m.OutOfScope = "none", true
	return m
}

func TestEvaluate(t *testing.T) {
	fake := fakeMatcher{
		"a": answer(bot.Intent("forgot_password"), bot.Lang("en"), bot.VerdictAnswer),
		"b": answer(bot.Intent("forgot_password"), bot.Lang("es"), bot.VerdictAnswer),     // wrong: want spam_folder
		"c": answer(bot.Intent("spam_folder"), bot.Lang("en"), bot.VerdictClarify),        // clarify: top ranked counts
		"d": withNone(answer(bot.Intent("spam_folder"), bot.Lang("fr"), bot.VerdictNone)), // none
		"e": answer(bot.Intent("thanks"), bot.Lang("fr"), bot.VerdictAnswer),              // wrong: want none
	}
	cases := []Case{
		{Text: "a", Intent: "forgot_password", Lang: "en"},
		{Text: "b", Intent: "spam_folder", Lang: "es"},
		{Text: "c", Intent: "spam_folder", Lang: "en"},
		{Text: "d", Intent: "none", Lang: "fr"},
		{Text: "e", Intent: "none", Lang: "en"},
	}
	r := Evaluate(fake, cases)
	if r.N != 5 || r.Correct != 3 || r.Accuracy != 0.6 {
		t.Errorf("n=%d correct=%d accuracy=%v, want 5, 3, 0.6", r.N, r.Correct, r.Accuracy)
	}
	if r.LangAccuracy != 0.8 {
		t.Errorf("lang accuracy = %v, want 0.8", r.LangAccuracy)
	}
	if s := r.PerIntent[bot.Intent("forgot_password")]; s.Precision != 0.5 || s.Recall != 1 || s.Support != 1 {
		t.Errorf("forgot_password stats = %+v, want precision 0.5 recall 1 support 1", s)
	}
	if s := r.PerIntent[bot.Intent("spam_folder")]; s.Precision != 1 || s.Recall != 0.5 {
		t.Errorf("spam_folder stats = %+v, want precision 1 recall 0.5", s)
	}
	if r.NonePrecision != 1 || r.NoneRecall != 0.5 {
		t.Errorf("none P/R = %v/%v, want 1/0.5", r.NonePrecision, r.NoneRecall)
	}
	if r.PerLang[bot.Lang("en")].N != 3 || r.PerLang[bot.Lang("en")].Accuracy != 2.0/3 {
		t.Errorf("per lang en = %+v", r.PerLang[bot.Lang("en")])
	}
	if len(r.Misses) != 2 || r.Misses[0].Text != "b" || r.Misses[0].Got != bot.Intent("forgot_password") || r.Misses[1].Verdict != bot.VerdictAnswer {
		t.Errorf("misses = %+v", r.Misses)
	}
	if len(r.Confusions) != 2 || r.Confusions[0].Count != 1 {
		t.Errorf("confusions = %+v", r.Confusions)
	}
	if r.Verdicts[bot.VerdictClarify] != 1 || r.Verdicts[bot.VerdictNone] != 1 {
		t.Errorf("verdicts = %v", r.Verdicts)
	}

	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "accuracy", "lang_accuracy", "per_intent", "per_lang", "p50_us", "p99_us", "none_precision", "none_recall", "confusions", "misclassified"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("JSON report has no %q", k)
		}
	}

	var out strings.Builder
	if err := r.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"accuracy: 60.0% (3/5)", "per language:", "per intent:", "forgot_password", "none (out of scope): precision 1.000 recall 0.500",
		"language accuracy: 80.0%", "top confusions:", "spam_folder          -> forgot_password", "misclassified (2):", `"b"`, "latency: p50"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestReadCases(t *testing.T) {
	good := `{"text": "hola", "intent": "greeting", "lang": "es"}

{"text": "merci", "intent": "thanks", "lang": "fr"}
`
	cs, err := ReadCases(strings.NewReader(good))
	if err != nil || len(cs) != 2 || cs[1].Intent != bot.Intent("thanks") || cs[1].Lang != bot.Lang("fr") {
		t.Fatalf("ReadCases = %+v, %v", cs, err)
	}
	tests := []struct{ name, in, want string }{
		{"broken json", "{\"text\": \"a\", \"intent\": \"greeting\"}\n{\"text\": ", "line 2"},
		{"no intent", "{\"text\": \"a\", \"intent\": \"greeting\"}\n\n{\"text\": \"b\"}", "line 3: no intent"},
		{"unknown field", `{"txt": "a", "intent": "greeting"}`, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCases(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// The held-out set (written independently of the training phrases) must
// be matched at ≥ 97 % and its languages detected at ≥ 98 %.
func TestHeldoutAccuracy(t *testing.T) {
	f, err := os.Open("testdata/heldout.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cases, err := ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 100 {
		t.Fatalf("held-out set has %d cases, want at least 100", len(cases))
	}
	r := Evaluate(realMatcher(t), cases)
	t.Logf("heldout: n=%d accuracy=%.3f lang=%.3f none P/R=%.2f/%.2f", r.N, r.Accuracy, r.LangAccuracy, r.NonePrecision, r.NoneRecall)
	if r.Accuracy < 0.97 || r.LangAccuracy < 0.98 {
		var b strings.Builder
		r.WriteText(&b)
		t.Errorf("accuracy %.3f (want ≥ 0.97), language %.3f (want ≥ 0.98)\n%s", r.Accuracy, r.LangAccuracy, b.String())
	}
}

// Leave-one-out accuracy of the training phrases guards the model itself.
func TestLeaveOneOut(t *testing.T) {
	m := realMatcher(t)
	t.Logf("leave-one-out accuracy %.3f, temperature %.3f, none threshold %.3f", m.looAcc, m.temp, m.minSim)
	if m.looAcc < 0.85 {
		t.Errorf("leave-one-out accuracy %.3f, want ≥ 0.85", m.looAcc)
	}
	if m.temp <= 0 {
		t.Errorf("temperature %v", m.temp)
	}
}
