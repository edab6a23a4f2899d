package intents

import (
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/bot"
)

// typos applies n random keyboard slips (swap, drop or double a letter)
// to the accent-free, lowercase form of s.
func typos(r *rand.Rand, s string, n int) string {
	b := []rune(strings.Join(normalize(s), " "))
	for i := 0; i < n && len(b) > 3; i++ {
		j := r.Intn(len(b) - 1)
		if b[j] == ' ' || b[j+1] == ' ' {
			continue
		}
		switch r.Intn(3) {
		case 0:
			b[j], b[j+1] = b[j+1], b[j]
		case 1:
			b = append(b[:j], b[j+1:]...)
		default:
			b = append(b[:j+1], b[j:]...)
		}
	}
	return string(b)
}

// wrappers put a greeting before and thanks after a question.
var wrappers = map[bot.Lang][2]string{
	bot.Lang("es"): {"hola buenas tardes, disculpa la molestia, tengo un problema: ", " muchas gracias de antemano, saludos"},
	bot.Lang("fr"): {"bonjour, désolé de vous déranger, j'ai un souci: ", " merci d'avance, bonne journée"},
	bot.Lang("en"): {"hi there, sorry to bother you, quick question: ", " thanks in advance, have a nice day"},
}

// The held-out questions degraded the way real messages are: without
// accents and with slips, and wrapped in greetings and thanks (which must
// not win over the question).
func TestRobustness(t *testing.T) {
	f, err := os.Open("testdata/heldout.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cases, err := ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	m := realMatcher(t)
	tests := []struct {
		name    string
		slips   int
		wrapped bool
		min     float64
	}{
		{"wrapped", 0, true, 0.95},
		{"one slip", 1, false, 0.93},
		{"two slips", 2, false, 0.91},
		{"one slip, wrapped", 1, true, 0.91},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(1))
			var cs []Case
			for _, c := range cases {
				text := c.Text
				if tt.slips > 0 {
					text = typos(r, text, tt.slips)
				}
				if tt.wrapped && c.Intent != bot.Intent("greeting") && c.Intent != bot.Intent("thanks") && c.Intent != bot.Intent("none") {
					text = wrappers[c.Lang][0] + text + wrappers[c.Lang][1]
				}
				cs = append(cs, Case{Text: text, Intent: c.Intent, Lang: c.Lang})
			}
			rep := Evaluate(m, cs)
			t.Logf("accuracy %.3f, language %.3f", rep.Accuracy, rep.LangAccuracy)
			if rep.Accuracy < tt.min {
				t.Errorf("accuracy %.3f, want ≥ %.2f; confusions %v", rep.Accuracy, tt.min, rep.Confusions)
			}
			if rep.LangAccuracy < 0.97 {
				t.Errorf("language accuracy %.3f, want ≥ 0.97", rep.LangAccuracy)
			}
		})
	}
}
