package bot

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Payloads of the engine's own buttons.
const (
	PayloadYes    = "yes"
	PayloadNo     = "no"
	PayloadHuman  = "human"
	PayloadNone   = "none"    // "something else" under a clarify question
	PayloadIntent = "intent:" // + intent id: answer this intent
	PayloadCSAT   = "csat:"   // + 1..5
)

// fold lower-cases, strips accents and surrounding punctuation so typed
// replies compare loosely ("Sí!" == "si").
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		out = strings.ToLower(s)
	}
	return strings.TrimFunc(out, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
}

// inList reports whether folded text f is one of the items of a list
// key in any language the knowledge base speaks: a client may answer "yes"
// in another language than the one the bot speaks.
func inList(k Knowledge, key, f string) (Lang, bool) {
	for _, l := range k.Langs() {
		for _, w := range k.List(l, key) {
			if fold(w) == f {
				return l, true
			}
		}
	}
	return "", false
}

// chooseOption maps a typed reply to one of the options offered: its number,
// its label, or a yes/no word (ui lists yes_words, no_words) when the
// options are a yes/no question.
func chooseOption(k Knowledge, opts []Button, text string) (string, bool) {
	if len(opts) == 0 {
		return "", false
	}
	f := fold(text)
	if f == "" || len(f) > 40 {
		return "", false
	}
	if n, err := strconv.Atoi(f); err == nil {
		if n >= 1 && n <= len(opts) {
			return opts[n-1].Payload, true
		}
		return "", false
	}
	for _, o := range opts {
		if fold(o.Label) == f {
			return o.Payload, true
		}
	}
	want := ""
	if _, ok := inList(k, "yes_words", f); ok {
		want = PayloadYes
	} else if _, ok := inList(k, "no_words", f); ok {
		want = PayloadNo
	} else {
		return "", false
	}
	for _, o := range opts {
		if o.Payload == want {
			return want, true
		}
	}
	return "", false
}

// langRequest reports an explicit request to switch language ("english",
// "español", "français"): the ui list language_names of each language.
func langRequest(k Knowledge, text string) (Lang, bool) {
	if len(text) > 40 {
		return "", false
	}
	return inList(k, "language_names", fold(text))
}

// clean makes inbound text safe to store and match: valid UTF-8, no NULs,
// trimmed.
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.ReplaceAll(s, "\x00", "")
	return strings.TrimSpace(s)
}

// cut returns the first n runes of s.
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
