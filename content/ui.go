package content

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// loadUI reads ui/<lang>.md: "key: text" lines after the front matter.
// Every key must exist in every language, so no client ever sees a raw key.
func loadUI(fsys fs.FS, kb *KB, probs *[]Problem) {
	keyFile := map[string]string{}
	for _, l := range bot.Langs {
		name := path.Join("ui", string(l)+".md")
		text, ok := readFile(fsys, name, probs)
		if !ok {
			continue
		}
		d, ok := parseDoc(name, text, probs)
		if !ok {
			continue
		}
		if got := bot.Lang(d.front["lang"].val); got != l {
			*probs = append(*probs, Problem{name, d.front["lang"].line, fmt.Sprintf("lang is %q, want %q", got, l)})
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
				*probs = append(*probs, Problem{name, bl.line, fmt.Sprintf("broken line %q: want \"key: text\"", t)})
				continue
			}
			if _, dup := m[k]; dup {
				*probs = append(*probs, Problem{name, bl.line, fmt.Sprintf("key %q repeated", k)})
				continue
			}
			m[k] = kb.site.expand(strings.ReplaceAll(strings.TrimSpace(v), `\n`, "\n"))
			keyFile[k] = name
		}
		kb.ui[l] = m
	}
	keys := make([]string, 0, len(keyFile))
	for k := range keyFile {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, l := range bot.Langs {
		m, ok := kb.ui[l]
		if !ok {
			continue
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				*probs = append(*probs, Problem{File: path.Join("ui", string(l)+".md"), Msg: fmt.Sprintf("missing language: key %q (defined in %s) has no %s text", k, keyFile[k], l)})
			}
		}
	}
}
