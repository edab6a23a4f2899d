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

var yesWords = map[string]bool{
	"yes": true, "y": true, "yeah": true, "yep": true, "ok": true, "okay": true, "sure": true, "it did": true, "yes thanks": true,
	"si": true, "s": true, "claro": true, "vale": true, "si gracias": true, "sip": true,
	"oui": true, "o": true, "ouais": true, "oui merci": true, "d'accord": true, "dacord": true,
}

var noWords = map[string]bool{
	"no": true, "n": true, "nope": true, "nah": true, "not really": true, "no thanks": true,
	"no gracias": true, "para nada": true,
	"non": true, "non merci": true, "pas vraiment": true,
}

// chooseOption maps a typed reply to one of the options offered: its number,
// its label, or a yes/no word when the options are a yes/no question.
func chooseOption(opts []Button, text string) (string, bool) {
	if len(opts) == 0 {
		return "", false
	}
	f := fold(text)
	if f == "" {
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
	switch {
	case yesWords[f]:
		want = PayloadYes
	case noWords[f]:
		want = PayloadNo
	default:
		return "", false
	}
	for _, o := range opts {
		if o.Payload == want {
			return want, true
		}
	}
	return "", false
}

var langRequests = map[string]Lang{
	"english": LangEN, "in english": LangEN, "ingles": LangEN, "en ingles": LangEN, "anglais": LangEN, "en anglais": LangEN,
	"espanol": LangES, "en espanol": LangES, "spanish": LangES, "in spanish": LangES, "espagnol": LangES, "en espagnol": LangES, "castellano": LangES,
	"francais": LangFR, "en francais": LangFR, "french": LangFR, "in french": LangFR, "frances": LangFR, "en frances": LangFR,
}

// langRequest reports an explicit request to switch language ("english",
// "español", "français").
func langRequest(text string) (Lang, bool) {
	if len(text) > 40 {
		return "", false
	}
	l, ok := langRequests[fold(text)]
	return l, ok
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
