package intents

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxInputBytes bounds the text the matcher reads. Real questions fit well
// inside it; a 100 KB paste costs no more than a long message.
const maxInputBytes = 1024

// prefix cuts s to at most maxInputBytes on a rune boundary and replaces
// invalid UTF-8, so everything downstream sees valid, bounded text.
func prefix(s string) string {
	if len(s) > maxInputBytes {
		cut := maxInputBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	return s
}

// normalize folds text to the form both training phrases and messages are
// compared in: stripped of accents (NFD, marks dropped), lowercase, with
// every non-letter, non-digit (apostrophes, hyphens, punctuation, emoji)
// turned into a word break and runs of one repeated letter collapsed
// ("holaaa", "paswword" and "password" meet). It returns the words.
func normalize(s string) []string {
	s = prefix(s)
	b := make([]byte, 0, len(s)+8)
	prev := byte(' ')
	emit := func(folded string) {
		for i := 0; i < len(folded); i++ {
			c := folded[i]
			switch {
			case c == ' ':
				if prev == ' ' {
					continue
				}
			case c >= 'a' && c <= 'z' || c >= utf8.RuneSelf:
				if c == prev && c < utf8.RuneSelf {
					continue // repeated letter
				}
			}
			b = append(b, c)
			prev = c
		}
	}
	for _, r := range s {
		if r < rune(len(latinFold)) {
			emit(latinFold[r])
			continue
		}
		emit(foldRune(r))
	}
	return strings.Fields(string(b))
}

// foldRune folds one rune: its NFD base letters lowercased, digits kept,
// marks dropped, anything else a space.
func foldRune(r rune) string {
	if f, ok := ligatures[r]; ok {
		return f
	}
	var out []rune
	for _, d := range norm.NFD.String(string(r)) {
		switch {
		case unicode.Is(unicode.Mn, d):
		case unicode.IsLetter(d):
			out = append(out, unicode.ToLower(d))
		case unicode.IsDigit(d):
			out = append(out, d)
		default:
			out = append(out, ' ')
		}
	}
	return string(out)
}

// ligatures are letters NFD does not decompose.
var ligatures = map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "s", 'ı': "i", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d"}

// latinFold is foldRune precomputed for the Latin blocks, which is nearly
// every character of an es/fr/en message. Read-only after initialization.
var latinFold = func() (t [0x250]string) {
	for r := range t {
		t[r] = foldRune(rune(r))
	}
	return t
}()
