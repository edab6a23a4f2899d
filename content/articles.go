package content

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hexfit/supportbot/bot"
)

// Limits the validator enforces.
const (
	MaxShort   = 300 // characters in a short form (one SMS-sized answer)
	MaxLabel   = 24  // characters in a button label
	MinPhrases = 5   // training phrases per article below which validate warns
)

var intentID = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var frontKeys = map[string]bool{"id": true, "intent": true, "kind": true, "lang": true, "title": true, "label": true, "needs_staff": true}

var sectionNames = map[string]bool{"client short": true, "client full": true, "staff short": true, "staff full": true, "phrases": true}

// article is one parsed article file, before it joins the KB.
type article struct {
	name       string
	intent     bot.Intent
	kind       bot.IntentKind
	kindLine   int
	lang       bot.Lang
	client     *bot.Answer
	staff      *bot.Answer
	phrases    []string
	bodyAt     int
	phraseLine int
}

func loadArticles(fsys fs.FS, kb *KB, ps *problems) {
	names, err := fs.Glob(fsys, "articles/*.md")
	if err != nil || len(names) == 0 {
		ps.add("articles/", 0, "no articles (want articles/<intent>.<lang>.md)")
		return
	}
	sort.Strings(names)
	ids := map[string]string{} // id → file that declared it
	seen := map[bot.Intent]map[bot.Lang]bool{}
	kindOf := map[bot.Intent]article{}
	for _, name := range names {
		text, ok := readFile(fsys, name, ps)
		if !ok {
			continue
		}
		a, ok := parseArticle(kb, name, text, ids, ps)
		if a.intent != "" && a.lang != "" {
			markSeen(seen, a.intent, a.lang)
		}
		if !ok {
			continue
		}
		if first, dup := kindOf[a.intent]; dup && first.kind != a.kind {
			ps.add(name, a.kindLine, "kind %q differs from %s (%q)", a.kind, first.name, first.kind)
			continue
		} else if !dup {
			kindOf[a.intent] = a
			kb.intents = append(kb.intents, a.intent)
			kb.kinds[a.intent] = a.kind
		}
		kb.add(a)
	}
	checkCoverage(kb, seen, ps)
}

// add files a valid article under its intent and language.
func (kb *KB) add(a article) {
	if a.client != nil {
		kb.answers[answerKey{a.intent, a.lang, bot.Client}] = *a.client
		kb.docs = append(kb.docs, docOf(a, *a.client))
	}
	if a.staff != nil {
		kb.answers[answerKey{a.intent, a.lang, bot.Staff}] = *a.staff
		kb.docs = append(kb.docs, docOf(a, *a.staff))
	}
	for _, p := range a.phrases {
		kb.examples = append(kb.examples, bot.Example{Text: p, Intent: a.intent, Kind: a.kind, Lang: a.lang})
	}
}

func docOf(a article, ans bot.Answer) bot.Doc {
	return bot.Doc{Intent: a.intent, Kind: a.kind, Lang: a.lang, Title: ans.Title,
		Text: strings.Join([]string{ans.Title, ans.Short, ans.Full}, "\n")}
}

// checkCoverage warns where an intent lacks a language (answered in the
// first language instead) or has too few phrases to be recognised.
func checkCoverage(kb *KB, seen map[bot.Intent]map[bot.Lang]bool, ps *problems) {
	count := map[bot.Intent]map[bot.Lang]int{}
	for _, ex := range kb.examples {
		if count[ex.Intent] == nil {
			count[ex.Intent] = map[bot.Lang]int{}
		}
		count[ex.Intent][ex.Lang]++
	}
	for _, in := range kb.intents {
		for _, l := range kb.langs {
			file := fmt.Sprintf("articles/%s.%s.md", in, l)
			switch {
			case !seen[in][l]:
				ps.warn(file, 0, "missing language: intent %s has no %s article, so %s clients get the %s one", in, l, l, kb.langs[0])
			case count[in][l] < MinPhrases:
				ps.warn(file, 0, "%d training phrases, fewer than %d: the article text alone has to carry it", count[in][l], MinPhrases)
			}
		}
	}
}

// parseArticle reads one article; ok is false when it has errors.
func parseArticle(kb *KB, name, text string, ids map[string]string, ps *problems) (article, bool) {
	a := article{name: name}
	d, ok := parseDoc(name, text, ps)
	if !ok {
		// Reported already; the name still says what it was meant to be.
		base := strings.TrimSuffix(path.Base(name), ".md")
		if i := strings.LastIndex(base, "."); i > 0 {
			a.intent, a.lang = bot.Intent(base[:i]), bot.Lang(base[i+1:])
		}
		return a, false
	}
	n0 := ps.errs
	a.bodyAt = d.bodyAt
	checkFront(kb, &a, d, ids, ps)
	secs := sectionsOf(name, d, ps)
	a.phrases = phraseLines(name, secs["phrases"], ps)
	a.phraseLine = secs["phrases"].line
	checkVarsIn(name, secs, ps)
	answers(kb, &a, d, secs, ps)
	return a, ps.errs == n0
}

// checkFront reads and checks the front matter's identity keys.
func checkFront(kb *KB, a *article, d doc, ids map[string]string, ps *problems) {
	for k, f := range d.front {
		if !frontKeys[k] {
			ps.add(a.name, f.line, "unknown front matter key %q", k)
		}
	}
	in, lang := d.front["intent"], d.front["lang"]
	a.intent, a.lang = bot.Intent(in.val), bot.Lang(lang.val)
	switch {
	case in.val == "":
		ps.add(a.name, 1, "front matter has no intent")
	case !intentID.MatchString(in.val):
		ps.add(a.name, in.line, "intent %q: want lower-case letters, digits and _ (starting with a letter)", in.val)
	}
	switch {
	case lang.val == "":
		ps.add(a.name, 1, "front matter has no lang")
	case !slices.Contains(kb.langs, a.lang):
		ps.add(a.name, lang.line, "lang %q is not in site.md's languages (%s)", lang.val, joinLangs(kb.langs))
	}
	if want := fmt.Sprintf("%s.%s.md", a.intent, a.lang); a.intent != "" && a.lang != "" && path.Base(a.name) != want {
		ps.add(a.name, 1, "file name does not match its front matter: want %s", want)
	}
	a.kind, a.kindLine = bot.AnswerIntent, d.front["kind"].line
	if k, ok := d.front["kind"]; ok {
		a.kind = bot.IntentKind(k.val)
		if !a.kind.Valid() {
			ps.add(a.name, k.line, "kind %q: want answer, handoff, greeting, thanks or out_of_scope", k.val)
		}
	}
	id := d.front["id"].val
	if id == "" {
		id = fmt.Sprintf("%s.%s", a.intent, a.lang)
	}
	if prev, dup := ids[id]; dup {
		ps.add(a.name, d.front["id"].line, "duplicate id %q (also in %s)", id, prev)
	} else {
		ids[id] = a.name
	}
}

func joinLangs(ls []bot.Lang) string {
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}

func sectionsOf(name string, d doc, ps *problems) map[string]section {
	secs := map[string]section{}
	for _, s := range d.sections(ps) {
		if !sectionNames[s.name] {
			ps.add(name, s.line, "unknown section %q (want client short, client full, staff short, staff full, phrases)", s.name)
			continue
		}
		if prev, dup := secs[s.name]; dup {
			ps.add(name, s.line, "section %q repeated (first on line %d)", s.name, prev.line)
			continue
		}
		secs[s.name] = s
	}
	return secs
}

func checkVarsIn(name string, secs map[string]section, ps *problems) {
	for sn, s := range secs {
		if sn == "phrases" {
			continue
		}
		for _, l := range s.lines {
			checkVars(name, l.line, l.text, siteVars, ps)
		}
	}
}

// answers builds the client and staff answers of an article. Every kind
// but out_of_scope must answer; out_of_scope may (its reply to an
// out-of-scope question).
func answers(kb *KB, a *article, d doc, secs map[string]section, ps *problems) {
	_, hasShort := secs["client short"]
	_, hasFull := secs["client full"]
	if a.kind == bot.OutOfScopeIntent && !hasShort && !hasFull {
		for _, s := range []string{"staff short", "staff full"} {
			if sec, ok := secs[s]; ok {
				ps.add(a.name, sec.line, "an out_of_scope article without a client answer has no staff answer: remove section %q", s)
			}
		}
		return
	}
	title, label := d.front["title"], d.front["label"]
	needsStaff := false
	if f, ok := d.front["needs_staff"]; ok {
		b, err := strconv.ParseBool(f.val)
		if err != nil {
			ps.add(a.name, f.line, "needs_staff must be true or false, not %q", f.val)
		}
		needsStaff = b
	}
	if title.val == "" {
		ps.add(a.name, 1, "front matter has no title")
	}
	lbl := kb.site.expand(label.val)
	switch {
	case label.val == "" && a.kind != bot.OutOfScopeIntent:
		ps.add(a.name, 1, "front matter has no label (the button text)")
	case utf8.RuneCountInString(lbl) > MaxLabel:
		ps.add(a.name, label.line, "label is %d characters, max %d", utf8.RuneCountInString(lbl), MaxLabel)
	}
	short := checkShort(kb.site, a.name, "client short", secs, true, ps)
	full := checkFull(a.name, "client full", secs, d.bodyAt, ps)
	ans := bot.Answer{Intent: a.intent, Lang: a.lang, Audience: bot.Client, Title: kb.site.expand(title.val),
		Label: lbl, Short: short, Full: kb.site.expand(full), NeedsStaff: needsStaff}
	a.client = &ans
	a.staff = staffAnswer(kb, a.name, ans, d, secs, ps)
}

func staffAnswer(kb *KB, name string, client bot.Answer, d doc, secs map[string]section, ps *problems) *bot.Answer {
	ss, hasSS := secs["staff short"]
	sf, hasSF := secs["staff full"]
	switch {
	case hasSS && !hasSF:
		ps.add(name, ss.line, "staff sections come in pairs: %q is missing", "staff full")
	case hasSF && !hasSS:
		ps.add(name, sf.line, "staff sections come in pairs: %q is missing", "staff short")
	}
	if !hasSS || !hasSF {
		return nil
	}
	st := client
	st.Audience = bot.Staff
	st.Short = checkShort(kb.site, name, "staff short", secs, false, ps)
	st.Full = kb.site.expand(checkFull(name, "staff full", secs, d.bodyAt, ps))
	return &st
}

func markSeen(seen map[bot.Intent]map[bot.Lang]bool, i bot.Intent, l bot.Lang) {
	if seen[i] == nil {
		seen[i] = map[bot.Lang]bool{}
	}
	seen[i][l] = true
}

func checkShort(site Site, file, name string, secs map[string]section, required bool, ps *problems) string {
	s, ok := secs[name]
	if !ok {
		if required {
			ps.add(file, 1, "missing short form: no %q section", name)
		}
		return ""
	}
	text := site.expand(s.text())
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		ps.add(file, s.line, "missing short form: section %q is empty", name)
	case n > MaxShort:
		ps.add(file, s.line, "short form %q is %d characters, max %d", name, n, MaxShort)
	}
	return text
}

func checkFull(file, name string, secs map[string]section, at int, ps *problems) string {
	s, ok := secs[name]
	if !ok || s.text() == "" {
		line := s.line
		if !ok {
			line = at
		}
		ps.add(file, line, "missing full form: section %q is absent or empty", name)
		return ""
	}
	return s.text()
}

// phraseLines reads "- phrase" lines; anything else in the section is reported.
func phraseLines(file string, s section, ps *problems) []string {
	var out []string
	seen := map[string]int{}
	for _, l := range s.lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		p, ok := strings.CutPrefix(t, "- ")
		if !ok || strings.TrimSpace(p) == "" {
			ps.add(file, l.line, "phrase lines must start with \"- \"")
			continue
		}
		p = strings.TrimSpace(p)
		if !utf8.ValidString(p) {
			ps.add(file, l.line, "phrase is not valid UTF-8")
			continue
		}
		key := strings.ToLower(p)
		if prev, dup := seen[key]; dup {
			ps.add(file, l.line, "duplicate phrase (first on line %d)", prev)
			continue
		}
		seen[key] = l.line
		out = append(out, p)
	}
	return out
}
