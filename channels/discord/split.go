package discord

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Units is the width of a rune in UTF-16 code units, a conservative unit for
// Discord's 2,000-character limit.
func utf16Units(r rune) int {
	if w := utf16.RuneLen(r); w > 0 {
		return w
	}
	return 1 // invalid: sent as U+FFFD
}

// textLen counts s in UTF-16 code units.
func textLen(s string) int { return measure(s, utf16Units) }

func measure(s string, unit func(rune) int) int {
	n := 0
	for _, r := range s {
		n += unit(r)
	}
	return n
}

// split cuts text into parts of at most max units, preferring paragraph
// breaks, then line breaks, then spaces, and cutting inside a word only
// when a single word is longer than max.
func split(text string, max int, unit func(rune) int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for {
		head, rest := prefix(text, max, unit)
		if rest == "" {
			return append(parts, text)
		}
		cut := len(head)
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(head, sep); i > 0 {
				cut = i
				break
			}
		}
		if part := strings.TrimSpace(text[:cut]); part != "" {
			parts = append(parts, part)
		}
		text = strings.TrimSpace(text[cut:])
	}
}

// prefix splits s after the longest prefix, on a rune boundary, of at most
// max units (at least one rune, so split always advances).
func prefix(s string, max int, unit func(rune) int) (head, rest string) {
	n, end := 0, 0
	for end < len(s) {
		r, w := utf8.DecodeRuneInString(s[end:])
		u := unit(r)
		if n+u > max && end > 0 {
			break
		}
		n += u
		end += w
	}
	return s[:end], s[end:]
}
