package content

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// uiRequired are the interface strings the engine says: a language
// without one of them would show clients a raw key.
var uiRequired = []string{
	"welcome", "ask_feedback", "yes", "no", "numbered_hint", "feedback_thanks", "feedback_next",
	"not_understood", "clarify", "none_of_these", "empty_message", "too_long", "media_only",
	"offer_human", "human_button", "handoff_started", "handoff_offhours", "handoff_queued_long",
	"handoff_confirm", "csat_ask", "csat_thanks", "csat_invalid", "lang_switched", "rate_limited",
	"resolved_by_agent", "topics_intro", "still_with_agent", "when",
}

// uiOptional are the lists the engine reads when present.
var uiOptional = []string{"yes_words", "no_words", "language_names", "weekdays", "function_words"}

// uiVars are the placeholders the engine fills, per key.
var uiVars = map[string][]string{"clarify": {"a", "b"}, "handoff_offhours": {"when"}, "when": {"day", "time", "zone"}}

// loadUI reads ui/<lang>.md for every listed language: "key: text" lines
// after the front matter. Every key must exist in every language, so no
// client ever sees a raw key.
func loadUI(fsys fs.FS, kb *KB, ps *problems) {
	keyFile := map[string]string{}
	for _, l := range kb.langs {
		name := path.Join("ui", string(l)+".md")
		if m, ok := loadUIFile(fsys, kb.site, l, name, ps); ok {
			kb.ui[l] = m
			for k := range m {
				keyFile[k] = name
			}
		}
	}
	keys := make([]string, 0, len(keyFile))
	for k := range keyFile {
		keys = append(keys, k)
	}
	keys = append(keys, uiRequired...)
	sort.Strings(keys)
	keys = slices.Compact(keys)
	for _, l := range kb.langs {
		m, ok := kb.ui[l]
		if !ok {
			continue
		}
		name := path.Join("ui", string(l)+".md")
		for _, k := range keys {
			if _, ok := m[k]; ok {
				continue
			}
			if from, ok := keyFile[k]; ok {
				ps.add(name, 0, "missing language: key %q (defined in %s) has no %s text", k, from, l)
			} else {
				ps.add(name, 0, "missing key %q", k)
			}
		}
		for _, k := range uiOptional {
			if _, ok := m[k]; !ok {
				ps.warn(name, 0, "no %q: the bot reads it when present", k)
			}
		}
		if n := len(kb.List(l, "weekdays")); n != 0 && n != 7 {
			ps.add(name, 0, "weekdays lists %d names, want 7 (Sunday first)", n)
		}
	}
}

func loadUIFile(fsys fs.FS, site Site, l bot.Lang, name string, ps *problems) (map[string]string, bool) {
	text, ok := readFile(fsys, name, ps)
	if !ok {
		return nil, false
	}
	d, ok := parseDoc(name, text, ps)
	if !ok {
		return nil, false
	}
	if got := bot.Lang(d.front["lang"].val); got != l {
		ps.add(name, d.front["lang"].line, "lang is %q, want %q", got, l)
	}
	m := map[string]string{}
	for _, bl := range d.body {
		t := strings.TrimSpace(bl.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, v, found := strings.Cut(t, ":")
		k = strings.TrimSpace(k)
		if !found || k == "" || strings.ContainsAny(k, " \t") {
			ps.add(name, bl.line, "broken line %q: want \"key: text\"", t)
			continue
		}
		if _, dup := m[k]; dup {
			ps.add(name, bl.line, "key %q repeated", k)
			continue
		}
		v = strings.ReplaceAll(strings.TrimSpace(v), `\n`, "\n")
		checkVars(name, bl.line, v, append(uiVars[k], siteVars...), ps)
		m[k] = site.expand(v)
	}
	return m, true
}

// siteVars are the placeholders every text may use.
var siteVars = []string{"product", "team", "email"}

// checkVars reports placeholders nothing fills: a typo such as {prodcut}
// would reach clients as written.
func checkVars(file string, line int, text string, allowed []string, ps *problems) {
	for _, p := range placeholders(text) {
		if !slices.Contains(allowed, p) {
			ps.add(file, line, "unknown placeholder {%s} (want one of {%s})", p, strings.Join(allowed, "}, {"))
		}
	}
}
