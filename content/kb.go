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
	langs    []bot.Lang // the fallback first
	topics   []bot.Intent
	intents  []bot.Intent // file order
	kinds    map[bot.Intent]bot.IntentKind
	answers  map[answerKey]bot.Answer
	ui       map[bot.Lang]map[string]string
	examples []bot.Example
	docs     []bot.Doc
	words    Words
	warnings []Problem
}

type answerKey struct {
	intent   bot.Intent
	lang     bot.Lang
	audience bot.Audience
}

var _ bot.Knowledge = (*KB)(nil)

// Load reads and validates a knowledge base. Non-empty fields of override
// replace the values of site.md. On any error it returns an error wrapping
// bot.ErrInvalidContent that lists every problem, one per line; warnings
// alone do not stop it (Warnings lists them).
func Load(fsys fs.FS, override Site) (*KB, error) {
	kb, ps := build(fsys, override)
	if ps.errs > 0 {
		msgs := make([]string, 0, len(ps.list))
		for _, p := range ps.list {
			msgs = append(msgs, p.String())
		}
		return nil, fmt.Errorf("content: %w: %d problem(s):\n%s", bot.ErrInvalidContent, ps.errs, strings.Join(msgs, "\n"))
	}
	kb.warnings = ps.list
	return kb, nil
}

// Validate reports every problem of a knowledge base, warnings included,
// in file order.
func Validate(fsys fs.FS) []Problem {
	_, ps := build(fsys, Site{})
	return ps.list
}

// Warnings lists what Load found worth fixing but not fatal.
func (kb *KB) Warnings() []Problem { return kb.warnings }

// Site returns the configured names.
func (kb *KB) Site() Site { return kb.site }

// Examples returns every training phrase, out-of-scope examples included.
func (kb *KB) Examples() []bot.Example { return append([]bot.Example(nil), kb.examples...) }

// Docs returns the text of every article (headings, short and full forms).
func (kb *KB) Docs() []bot.Doc { return append([]bot.Doc(nil), kb.docs...) }

// Synonyms returns words.md's synonyms: token → variants.
func (kb *KB) Synonyms() map[string][]string { return kb.words.Synonyms }

// Shorthand returns words.md's shorthand: abbreviation → expansion.
func (kb *KB) Shorthand() map[string]string { return kb.words.Shorthand }

// Langs implements bot.Knowledge.
func (kb *KB) Langs() []bot.Lang { return append([]bot.Lang(nil), kb.langs...) }

// Intents implements bot.Knowledge.
func (kb *KB) Intents() []bot.Intent { return append([]bot.Intent(nil), kb.intents...) }

// Topics implements bot.Knowledge.
func (kb *KB) Topics() []bot.Intent { return append([]bot.Intent(nil), kb.topics...) }

// Kind implements bot.Knowledge.
func (kb *KB) Kind(i bot.Intent) (bot.IntentKind, bool) {
	k, ok := kb.kinds[i]
	return k, ok
}

// Answer implements bot.Knowledge. Staff falls back to the client answer,
// a language without the article to the first language that has it.
func (kb *KB) Answer(i bot.Intent, l bot.Lang, a bot.Audience) (bot.Answer, bool) {
	if a == "" {
		a = bot.Client
	}
	for _, lang := range append([]bot.Lang{l}, kb.langs...) {
		if ans, ok := kb.answers[answerKey{i, lang, a}]; ok {
			return ans, true
		}
		if ans, ok := kb.answers[answerKey{i, lang, bot.Client}]; ok && a == bot.Staff {
			return ans, true
		}
	}
	return bot.Answer{}, false
}

// Text implements bot.Knowledge: the interface string key in language l
// (the first language's, then the key itself, when missing), placeholders
// filled.
func (kb *KB) Text(l bot.Lang, key string, vars map[string]string) string {
	s, ok := kb.ui[l][key]
	if !ok {
		if s, ok = kb.ui[kb.langs[0]][key]; !ok {
			return key
		}
	}
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// List implements bot.Knowledge.
func (kb *KB) List(l bot.Lang, key string) []string {
	s, ok := kb.ui[l][key]
	if !ok {
		return nil
	}
	return list(s)
}

// FunctionWords are the most common words of language l (ui key
// function_words, space-separated), for language detection.
func (kb *KB) FunctionWords(l bot.Lang) []string { return strings.Fields(kb.ui[l]["function_words"]) }

// expand fills the site placeholders.
func (s Site) expand(text string) string {
	return strings.NewReplacer("{product}", s.Product, "{team}", s.Team, "{email}", s.Email).Replace(text)
}

// build loads everything it can and collects every problem on the way, so
// that one validate run reports them all.
func build(fsys fs.FS, override Site) (*KB, *problems) {
	ps := &problems{}
	kb := &KB{answers: map[answerKey]bot.Answer{}, ui: map[bot.Lang]map[string]string{}, kinds: map[bot.Intent]bot.IntentKind{}}
	topics := loadSite(fsys, kb, override, ps)
	loadUI(fsys, kb, ps)
	loadArticles(fsys, kb, ps)
	kb.words = loadWords(fsys, ps)
	checkTopics(kb, topics, ps)
	if len(kb.langs) == 0 {
		kb.langs = []bot.Lang{"en"} // reported already; keeps the methods total
	}
	return kb, ps
}

func readFile(fsys fs.FS, name string, ps *problems) (string, bool) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		msg := "cannot read: " + err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			msg = "missing file"
		}
		ps.add(name, 0, "%s", msg)
		return "", false
	}
	return string(b), true
}
