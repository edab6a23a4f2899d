package intents

import (
	"fmt"
	"io"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// ZeroShot is how well articles alone carry their intents: each intent's
// phrases are dropped in turn (its article text kept), the index rebuilt,
// and that intent's cases scored.
type ZeroShot struct {
	Recall     map[bot.Intent]float64 `json:"recall"`  // per intent, without its phrases
	Support    map[bot.Intent]int     `json:"support"` // its cases
	Order      []bot.Intent           `json:"order"`
	MeanRecall float64                `json:"mean_recall"`
	// Full and PhrasesOnly are the accuracy on all cases of the whole
	// model and of one that reads no article text.
	Full        float64 `json:"full_accuracy"`
	PhrasesOnly float64 `json:"phrases_only_accuracy"`
}

// EvaluateZeroShot runs the leave-one-intent-out measure over the answer
// intents that have cases.
func EvaluateZeroShot(cfg Config, cases []Case) (ZeroShot, error) {
	z := ZeroShot{Recall: map[bot.Intent]float64{}, Support: map[bot.Intent]int{}}
	full, err := New(cfg)
	if err != nil {
		return z, err
	}
	z.Full = Evaluate(full, cases).Accuracy
	opt := defaultOptions()
	opt.docW = 0
	bare, err := build(cfg, opt)
	if err != nil {
		return z, err
	}
	z.PhrasesOnly = Evaluate(bare, cases).Accuracy
	byIntent := map[bot.Intent][]Case{}
	for _, c := range cases {
		byIntent[c.Intent] = append(byIntent[c.Intent], c)
	}
	var sum float64
	for _, in := range answerIntents(cfg) {
		cs := byIntent[in]
		if len(cs) == 0 {
			continue
		}
		m, err := New(without(cfg, in))
		if err != nil {
			return z, fmt.Errorf("intents: zero-shot %s: %w", in, err)
		}
		r := Evaluate(m, cs)
		z.Order = append(z.Order, in)
		z.Recall[in], z.Support[in] = r.Accuracy, len(cs)
		sum += r.Accuracy
	}
	if len(z.Order) > 0 {
		z.MeanRecall = sum / float64(len(z.Order))
	}
	return z, nil
}

// answerIntents are the intents with an article of kind answer.
func answerIntents(cfg Config) []bot.Intent {
	var out []bot.Intent
	seen := map[bot.Intent]bool{}
	for _, d := range cfg.Docs {
		if d.Kind == bot.AnswerIntent && !seen[d.Intent] {
			seen[d.Intent] = true
			out = append(out, d.Intent)
		}
	}
	return out
}

// without is cfg with the phrases of one intent removed.
func without(cfg Config, in bot.Intent) Config {
	out := cfg
	out.Examples = nil
	for _, ex := range cfg.Examples {
		if ex.Intent != in {
			out.Examples = append(out.Examples, ex)
		}
	}
	return out
}

// WriteText prints the table for people.
func (z ZeroShot) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString("zero-shot (each intent without its phrases, its article kept):\n")
	for _, in := range z.Order {
		fmt.Fprintf(&b, "  %-22s recall %5.1f%%  (n=%d)\n", in, 100*z.Recall[in], z.Support[in])
	}
	fmt.Fprintf(&b, "mean recall: %.1f%%\n", 100*z.MeanRecall)
	fmt.Fprintf(&b, "accuracy with phrases and articles: %.1f%%; phrases only: %.1f%%\n", 100*z.Full, 100*z.PhrasesOnly)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("intents: write zero-shot: %w", err)
	}
	return nil
}
