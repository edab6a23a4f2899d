package content

import (
	"io/fs"
	"strings"
)

// Words is optional language data for the matcher, from words.md:
// synonyms that fold to one token across languages ("correo", "courriel"
// and "mail" are all "email") and chat shorthand expanded before matching
// ("xq" is "porque").
type Words struct {
	Synonyms  map[string][]string // canonical token → its variants
	Shorthand map[string]string   // abbreviation → what it stands for
}

// loadWords reads words.md when present: a "# synonyms" section of
// "token: variant, variant" lines and a "# shorthand" section of
// "abbreviation: expansion" lines.
func loadWords(fsys fs.FS, ps *problems) Words {
	w := Words{Synonyms: map[string][]string{}, Shorthand: map[string]string{}}
	if _, err := fs.Stat(fsys, "words.md"); err != nil {
		return w
	}
	text, ok := readFile(fsys, "words.md", ps)
	if !ok {
		return w
	}
	d := doc{file: "words.md"}
	for i, ln := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		d.body = append(d.body, bodyLine{text: ln, line: i + 1})
	}
	for _, s := range d.sections(ps) {
		if s.name != "synonyms" && s.name != "shorthand" {
			ps.add("words.md", s.line, "unknown section %q (want synonyms, shorthand)", s.name)
			continue
		}
		for _, bl := range s.lines {
			t := strings.TrimSpace(bl.text)
			if t == "" {
				continue
			}
			k, v, found := strings.Cut(t, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !found || k == "" || v == "" {
				ps.add("words.md", bl.line, "broken line %q: want \"word: text\"", t)
				continue
			}
			if s.name == "synonyms" {
				w.Synonyms[k] = append(w.Synonyms[k], list(v)...)
			} else {
				w.Shorthand[k] = v
			}
		}
	}
	return w
}
