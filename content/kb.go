package content

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// Site holds the names every text refers to through placeholders.
type Site struct {
	Product string // {product}
	Team    string // {team}: the expert support team
	Email   string // {email}: the support address
}

// KB is a loaded, validated knowledge base. It is immutable and safe for
// concurrent use.
type KB struct {
	site     Site
	answers  map[answerKey]bot.Answer
	ui       map[bot.Lang]map[string]string
	examples []bot.Example
}

type answerKey struct {
	intent   bot.Intent
	lang     bot.Lang
	audience bot.Audience
}

var _ bot.Knowledge = (*KB)(nil)

// Load reads and validates a knowledge base. Non-empty fields of override
// replace the values of site.md. On any problem it returns an error wrapping
// bot.ErrInvalidContent that lists every problem, one per line.
func Load(fsys fs.FS, override Site) (*KB, error) {
	kb, probs := build(fsys, override)
	if len(probs) > 0 {
		msgs := make([]string, len(probs))
		for i, p := range probs {
			msgs[i] = p.String()
		}
		return nil, fmt.Errorf("content: %w: %d problem(s):\n%s", bot.ErrInvalidContent, len(probs), strings.Join(msgs, "\n"))
	}
	return kb, nil
}

// Validate reports every problem of a knowledge base, in file order.
func Validate(fsys fs.FS) []Problem {
	_, probs := build(fsys, Site{})
	return probs
}

// Site returns the configured names.
func (kb *KB) Site() Site { return kb.site }

// Examples returns every training phrase, "none" examples included.
func (kb *KB) Examples() []bot.Example {
	out := make([]bot.Example, len(kb.examples))
	copy(out, kb.examples)
	return out
}

// Answer implements bot.Knowledge. Staff falls back to the client answer.
func (kb *KB) Answer(i bot.Intent, l bot.Lang, a bot.Audience) (bot.Answer, bool) {
	if a == "" {
		a = bot.Client
	}
	if ans, ok := kb.answers[answerKey{i, l, a}]; ok {
		return ans, true
	}
	if a == bot.Staff {
		if ans, ok := kb.answers[answerKey{i, l, bot.Client}]; ok {
			return ans, true
		}
	}
	return bot.Answer{}, false
}

// Text implements bot.Knowledge: the interface string key in language l
// (English, then the key itself, when missing), placeholders filled.
func (kb *KB) Text(l bot.Lang, key string, vars map[string]string) string {
	s, ok := kb.ui[l][key]
	if !ok {
		if s, ok = kb.ui[bot.LangEN][key]; !ok {
			return key
		}
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// expand fills the site placeholders.
func (s Site) expand(text string) string {
	return strings.NewReplacer("{product}", s.Product, "{team}", s.Team, "{email}", s.Email).Replace(text)
}

// build loads everything it can and collects every problem on the way, so
// that one validate run reports them all.
func build(fsys fs.FS, override Site) (*KB, []Problem) {
	var probs []Problem
	kb := &KB{answers: map[answerKey]bot.Answer{}, ui: map[bot.Lang]map[string]string{}}
	kb.site = loadSite(fsys, override, &probs)
	loadUI(fsys, kb, &probs)
	loadArticles(fsys, kb, &probs)
	return kb, probs
}

func readFile(fsys fs.FS, name string, probs *[]Problem) (string, bool) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		msg := "cannot read: " + err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			msg = "missing file"
		}
		*probs = append(*probs, Problem{File: name, Msg: msg})
		return "", false
	}
	return string(b), true
}

func loadSite(fsys fs.FS, override Site, probs *[]Problem) Site {
	var s Site
	if text, ok := readFile(fsys, "site.md", probs); ok {
		if d, ok := parseDoc("site.md", text, probs); ok {
			s = Site{Product: d.front["product"].val, Team: d.front["team"].val, Email: d.front["email"].val}
			for k, f := range d.front {
				if k != "product" && k != "team" && k != "email" {
					*probs = append(*probs, Problem{"site.md", f.line, fmt.Sprintf("unknown front matter key %q (want product, team, email)", k)})
				}
			}
		}
	}
	if override.Product != "" {
		s.Product = override.Product
	}
	if override.Team != "" {
		s.Team = override.Team
	}
	if override.Email != "" {
		s.Email = override.Email
	}
	for _, f := range [][2]string{{"product", s.Product}, {"team", s.Team}, {"email", s.Email}} {
		if f[1] == "" {
			*probs = append(*probs, Problem{File: "site.md", Msg: fmt.Sprintf("missing %q in front matter (or its environment override)", f[0])})
		}
	}
	return s
}
