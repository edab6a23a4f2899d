package content

import (
	"io/fs"
	"regexp"
	"slices"

	"github.com/hexfit/supportbot/bot"
)

// MaxLangs is how many languages one knowledge base may list.
const MaxLangs = 8

var langCode = regexp.MustCompile(`^[a-z]{2,3}$`)

var siteKeys = map[string]bool{"product": true, "team": true, "email": true, "languages": true, "topics": true}

// loadSite reads site.md: the names, the languages (the first is the
// fallback) and the welcome topics, which are checked once the articles
// are read.
func loadSite(fsys fs.FS, kb *KB, override Site, ps *problems) field {
	var s Site
	var topics field
	if text, ok := readFile(fsys, "site.md", ps); ok {
		if d, ok := parseDoc("site.md", text, ps); ok {
			s = Site{Product: d.front["product"].val, Team: d.front["team"].val, Email: d.front["email"].val}
			for k, f := range d.front {
				if !siteKeys[k] {
					ps.add("site.md", f.line, "unknown front matter key %q (want product, team, email, languages, topics)", k)
				}
			}
			kb.langs = siteLangs(d.front["languages"], ps)
			topics = d.front["topics"]
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
			ps.add("site.md", 0, "missing %q in front matter (or its environment override)", f[0])
		}
	}
	kb.site = s
	return topics
}

func siteLangs(f field, ps *problems) []bot.Lang {
	var out []bot.Lang
	for _, c := range list(f.val) {
		l := bot.Lang(c)
		switch {
		case !langCode.MatchString(c):
			ps.add("site.md", f.line, "language %q is not an ISO 639 code such as es, pt or de", c)
		case slices.Contains(out, l):
			ps.add("site.md", f.line, "language %q listed twice", c)
		default:
			out = append(out, l)
		}
	}
	switch {
	case f.line == 0:
		ps.add("site.md", 0, "missing \"languages\" in front matter (e.g. languages: es, fr, en; the first is the fallback)")
	case len(out) == 0:
		ps.add("site.md", f.line, "no languages listed")
	case len(out) > MaxLangs:
		ps.add("site.md", f.line, "%d languages listed, at most %d", len(out), MaxLangs)
		out = out[:MaxLangs]
	}
	return out
}

// checkTopics keeps the topics that are answer intents; without a topics
// line the first four answer intents are offered.
func checkTopics(kb *KB, f field, ps *problems) {
	for _, t := range list(f.val) {
		i := bot.Intent(t)
		if k, ok := kb.kinds[i]; !ok || k != bot.AnswerIntent {
			ps.add("site.md", f.line, "topic %q is not an intent of kind answer", t)
			continue
		}
		kb.topics = append(kb.topics, i)
	}
	if f.line != 0 {
		return
	}
	for _, i := range kb.intents {
		if kb.kinds[i] == bot.AnswerIntent && len(kb.topics) < 4 {
			kb.topics = append(kb.topics, i)
		}
	}
}
