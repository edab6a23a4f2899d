package content

import (
	"fmt"
	"io/fs"
	"path"
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
	MinPhrases = 15  // training phrases per article
)

var frontKeys = map[string]bool{"id": true, "intent": true, "lang": true, "title": true, "label": true, "needs_staff": true}

var sectionNames = map[string]bool{"client short": true, "client full": true, "staff short": true, "staff full": true, "phrases": true}

func loadArticles(fsys fs.FS, kb *KB, probs *[]Problem) {
	names, err := fs.Glob(fsys, "articles/*.md")
	if err != nil || len(names) == 0 {
		*probs = append(*probs, Problem{File: "articles/", Msg: "no articles (want articles/<intent>.<lang>.md)"})
		return
	}
	sort.Strings(names)
	ids := map[string]string{} // id → file that declared it
	seen := map[bot.Intent]map[bot.Lang]bool{}
	for _, name := range names {
		text, ok := readFile(fsys, name, probs)
		if !ok {
			continue
		}
		loadArticle(kb, name, text, ids, seen, probs)
	}
	for _, in := range bot.Intents {
		for _, l := range bot.Langs {
			if !seen[in][l] {
				*probs = append(*probs, Problem{File: fmt.Sprintf("articles/%s.%s.md", in, l), Msg: fmt.Sprintf("missing language: intent %s has no %s article", in, l)})
			}
		}
	}
}

func loadArticle(kb *KB, name, text string, ids map[string]string, seen map[bot.Intent]map[bot.Lang]bool, probs *[]Problem) {
	d, ok := parseDoc(name, text, probs)
	if !ok {
		// Reported already; don't also call the language missing.
		base := strings.TrimSuffix(path.Base(name), ".md")
		if i := strings.LastIndex(base, "."); i > 0 {
			if in, l := bot.Intent(base[:i]), bot.Lang(base[i+1:]); in.Known() && l.Valid() {
				markSeen(seen, in, l)
			}
		}
		return
	}
	n0 := len(*probs)
	bad := func(line int, format string, args ...any) {
		*probs = append(*probs, Problem{name, line, fmt.Sprintf(format, args...)})
	}
	for k, f := range d.front {
		if !frontKeys[k] {
			bad(f.line, "unknown front matter key %q", k)
		}
	}
	intent := bot.Intent(d.front["intent"].val)
	lang := bot.Lang(d.front["lang"].val)
	switch {
	case intent == "":
		bad(1, "front matter has no intent")
	case !intent.Known():
		bad(d.front["intent"].line, "unknown intent %q", intent)
	}
	switch {
	case lang == "":
		bad(1, "front matter has no lang")
	case !lang.Valid():
		bad(d.front["lang"].line, "unsupported lang %q (want es, fr or en)", lang)
	}
	if want := fmt.Sprintf("%s.%s.md", intent, lang); intent != "" && lang != "" && path.Base(name) != want {
		bad(1, "file name does not match its front matter: want %s", want)
	}
	id := d.front["id"].val
	if id == "" {
		id = fmt.Sprintf("%s.%s", intent, lang)
	}
	if prev, dup := ids[id]; dup {
		bad(d.front["id"].line, "duplicate id %q (also in %s)", id, prev)
	} else {
		ids[id] = name
	}
	needsStaff := false
	if f, ok := d.front["needs_staff"]; ok {
		b, err := strconv.ParseBool(f.val)
		if err != nil {
			bad(f.line, "needs_staff must be true or false, not %q", f.val)
		}
		needsStaff = b
	}

	secs := map[string]section{}
	for _, s := range d.sections(probs) {
		if !sectionNames[s.name] {
			bad(s.line, "unknown section %q (want client short, client full, staff short, staff full, phrases)", s.name)
			continue
		}
		if prev, dup := secs[s.name]; dup {
			bad(s.line, "section %q repeated (first on line %d)", s.name, prev.line)
			continue
		}
		secs[s.name] = s
	}

	phrases := phraseLines(name, secs["phrases"], probs)
	if len(phrases) < MinPhrases {
		line := secs["phrases"].line
		if line == 0 {
			line = d.bodyAt
		}
		bad(line, "%d training phrases, want at least %d", len(phrases), MinPhrases)
	}

	var ans bot.Answer
	var staff *bot.Answer
	if intent != bot.None {
		title, label := d.front["title"], d.front["label"]
		if title.val == "" {
			bad(1, "front matter has no title")
		}
		switch {
		case label.val == "":
			bad(1, "front matter has no label (the button text)")
		case utf8.RuneCountInString(kb.site.expand(label.val)) > MaxLabel:
			bad(label.line, "label is %d characters, max %d", utf8.RuneCountInString(kb.site.expand(label.val)), MaxLabel)
		}
		short := checkShort(kb.site, name, "client short", secs, true, probs)
		full := checkFull(name, "client full", secs, d.bodyAt, probs)
		ans = bot.Answer{Intent: intent, Lang: lang, Audience: bot.Client, Title: kb.site.expand(title.val),
			Label: kb.site.expand(label.val), Short: short, Full: kb.site.expand(full), NeedsStaff: needsStaff}
		_, hasSS := secs["staff short"]
		_, hasSF := secs["staff full"]
		if hasSS != hasSF {
			missing, other := "staff full", secs["staff short"]
			if hasSF {
				missing, other = "staff short", secs["staff full"]
			}
			bad(other.line, "staff sections come in pairs: %q is missing", missing)
		}
		if hasSS && hasSF {
			st := ans
			st.Audience = bot.Staff
			st.Short = checkShort(kb.site, name, "staff short", secs, false, probs)
			st.Full = kb.site.expand(checkFull(name, "staff full", secs, d.bodyAt, probs))
			staff = &st
		}
	} else {
		for _, s := range []string{"client short", "client full", "staff short", "staff full"} {
			if sec, ok := secs[s]; ok {
				bad(sec.line, "intent none has no answer: remove section %q", s)
			}
		}
	}

	if len(*probs) > n0 || !intent.Known() || !lang.Valid() {
		if intent.Known() && lang.Valid() {
			markSeen(seen, intent, lang) // reported already; don't also call it missing
		}
		return
	}
	markSeen(seen, intent, lang)
	if intent != bot.None {
		kb.answers[answerKey{intent, lang, bot.Client}] = ans
	}
	if staff != nil {
		kb.answers[answerKey{intent, lang, bot.Staff}] = *staff
	}
	for _, p := range phrases {
		kb.examples = append(kb.examples, bot.Example{Text: p, Intent: intent, Lang: lang})
	}
}

func markSeen(seen map[bot.Intent]map[bot.Lang]bool, i bot.Intent, l bot.Lang) {
	if seen[i] == nil {
		seen[i] = map[bot.Lang]bool{}
	}
	seen[i][l] = true
}

func checkShort(site Site, file, name string, secs map[string]section, required bool, probs *[]Problem) string {
	s, ok := secs[name]
	if !ok {
		if required {
			*probs = append(*probs, Problem{file, 1, fmt.Sprintf("missing short form: no %q section", name)})
		}
		return ""
	}
	text := site.expand(s.text())
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		*probs = append(*probs, Problem{file, s.line, fmt.Sprintf("missing short form: section %q is empty", name)})
	case n > MaxShort:
		*probs = append(*probs, Problem{file, s.line, fmt.Sprintf("short form %q is %d characters, max %d", name, n, MaxShort)})
	}
	return text
}

func checkFull(file, name string, secs map[string]section, at int, probs *[]Problem) string {
	s, ok := secs[name]
	if !ok || s.text() == "" {
		line := s.line
		if !ok {
			line = at
		}
		*probs = append(*probs, Problem{file, line, fmt.Sprintf("missing full form: section %q is absent or empty", name)})
		return ""
	}
	return s.text()
}

// phraseLines reads "- phrase" lines; anything else in the section is reported.
func phraseLines(file string, s section, probs *[]Problem) []string {
	var out []string
	seen := map[string]int{}
	for _, l := range s.lines {
		t := strings.TrimSpace(l.text)
		if t == "" {
			continue
		}
		p, ok := strings.CutPrefix(t, "- ")
		if !ok || strings.TrimSpace(p) == "" {
			*probs = append(*probs, Problem{file, l.line, "phrase lines must start with \"- \""})
			continue
		}
		p = strings.TrimSpace(p)
		if !utf8.ValidString(p) {
			*probs = append(*probs, Problem{file, l.line, "phrase is not valid UTF-8"})
			continue
		}
		key := strings.ToLower(p)
		if prev, dup := seen[key]; dup {
			*probs = append(*probs, Problem{file, l.line, fmt.Sprintf("duplicate phrase (first on line %d)", prev)})
			continue
		}
		seen[key] = l.line
		out = append(out, p)
	}
	return out
}
