package intents

import "strings"

// folder rewrites a normalized word sequence with the synonym table.
type folder struct {
	short  map[string][]string
	single map[string]string
	multi  map[string][]phrase // keyed by the phrase's first word
}

type phrase struct {
	words []string
	to    string
}

// newFolder builds the rewriting tables from the knowledge base's words:
// synonyms fold general domain words with the same meaning, within and
// across languages, to one token so that "correo", "courriel" and "mail"
// share evidence (multi-word variants match as whole word sequences);
// shorthand expands chat abbreviations and apostrophe-less contractions
// to the words the phrases spell out ("xq" → "porque").
func newFolder(synonyms map[string][]string, shorthand map[string]string) *folder {
	f := &folder{short: map[string][]string{}, single: map[string]string{}, multi: map[string][]phrase{}}
	for from, to := range shorthand {
		if w := normalize(from); len(w) == 1 {
			f.short[w[0]] = normalize(to)
		}
	}
	for to, froms := range synonyms {
		canon := strings.Join(normalize(to), "")
		for _, from := range froms {
			w := normalize(from)
			switch {
			case len(w) == 1:
				f.single[w[0]] = canon
			case len(w) > 1:
				f.multi[w[0]] = append(f.multi[w[0]], phrase{words: w, to: canon})
			}
		}
	}
	return f
}

// words returns the normalized words of text with shorthand expanded.
func (f *folder) words(text string) []string {
	words := normalize(text)
	for i, w := range words {
		if _, ok := f.short[w]; ok {
			out := make([]string, 0, len(words)+4)
			out = append(out, words[:i]...)
			for _, w := range words[i:] {
				if to, ok := f.short[w]; ok {
					out = append(out, to...)
				} else {
					out = append(out, w)
				}
			}
			return out
		}
	}
	return words
}

// fold returns words with synonyms replaced; it reuses no input storage.
func (f *folder) fold(words []string) []string {
	out := make([]string, 0, len(words))
	for i := 0; i < len(words); i++ {
		w := words[i]
		if ps, ok := f.multi[w]; ok {
			if p, n := longestPhrase(ps, words[i:]); n > 0 {
				out = append(out, p)
				i += n - 1
				continue
			}
		}
		if to, ok := f.single[w]; ok {
			w = to
		}
		out = append(out, w)
	}
	return out
}

func longestPhrase(ps []phrase, words []string) (string, int) {
	best, n := "", 0
	for _, p := range ps {
		if len(p.words) <= n || len(p.words) > len(words) {
			continue
		}
		ok := true
		for j, pw := range p.words {
			if words[j] != pw {
				ok = false
				break
			}
		}
		if ok {
			best, n = p.to, len(p.words)
		}
	}
	return best, n
}
