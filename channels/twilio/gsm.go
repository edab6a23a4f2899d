package twilio

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// SMS encodings as reported by Segments.
const (
	EncodingGSM7 = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// GSM 03.38 default alphabet (one septet each) and its extension table (an
// escape plus one septet, so two septets each). ESC itself is left out: it is
// not text.
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// gsmReplacements maps common characters that would force UCS-2 to GSM-7
// text that reads the same. Accented letters are handled generically by
// stripping the accent (see stripAccent); this table covers punctuation and the
// letters decomposition cannot reach.
var gsmReplacements = map[rune]string{
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '`': "'", '´': "'",
	'“': `"`, '”': `"`, '„': `"`, '‟': `"`, '″': `"`, '«': `"`, '»': `"`,
	'‹': "'", '›': "'",
	'–': "-", '—': "-", '‒': "-", '―': "-", '−': "-", '‐': "-", '‑': "-",
	'…': "...", '•': "-", '·': ".", '\t': " ",
	'\u00a0': " ", '\u202f': " ", '\u2009': " ", '\u2007': " ", '\u2002': " ", '\u2003': " ",
	'\u200b': "", '\u200c': "", '\u200d': "", '\ufeff': "", '\u00ad': "",
	'œ': "oe", 'Œ': "OE", 'º': "o", 'ª': "a", 'ð': "d", 'Ð': "D", 'þ': "th", 'Þ': "TH",
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ı': "i",
}

// guillemets drops the spaces French sets inside « », which straight quotes
// do not take: « Mot » → "Mot".
var guillemets = strings.NewReplacer(
	"« ", "«", "«\u00a0", "«", "«\u202f", "«",
	" »", "»", "\u00a0»", "»", "\u202f»", "»",
)

// gsmSeptetTable holds the septet count of every GSM-7 character: an array
// for ASCII, a map for the rest. Built once, read-only afterwards.
var gsmSeptetTable = func() (t struct {
	ascii [128]uint8
	other map[rune]uint8
}) {
	t.other = map[rune]uint8{}
	for n, set := range []string{gsmBasic, gsmExtension} {
		for _, r := range set {
			if r < 128 {
				t.ascii[r] = uint8(n + 1)
			} else {
				t.other[r] = uint8(n + 1)
			}
		}
	}
	return t
}()

// gsmSeptets returns how many septets r takes in GSM-7, or 0 if it cannot be
// encoded.
func gsmSeptets(r rune) int {
	if r >= 0 && r < 128 {
		return int(gsmSeptetTable.ascii[r])
	}
	return int(gsmSeptetTable.other[r])
}

// stripAccent returns the GSM-7 base letters of r without their combining
// marks (á → a, ç → c, ê → e), and whether that spells r in GSM-7.
func stripAccent(r rune) (string, bool) {
	var b strings.Builder
	for _, c := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		if gsmSeptets(c) == 0 {
			return "", false
		}
		b.WriteRune(c)
	}
	return b.String(), b.Len() > 0
}

// ToGSM rewrites text so that it fits the GSM-7 alphabet when that is
// possible without losing meaning: curly quotes and guillemets become straight
// quotes, dashes become "-", "…" becomes "...", special spaces become spaces
// and accented letters outside GSM-7 (á, í, ó, ú, ê, ç…) lose their accent,
// while those inside it (é, è, ñ, ü, à, ¿, ¡…) stay. If any character has no
// GSM-7 equivalent (an emoji, a non-Latin script) the message is UCS-2
// anyway, and text is returned unchanged so that nothing is lost.
func ToGSM(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range guillemets.Replace(text) {
		if gsmSeptets(r) > 0 {
			b.WriteRune(r)
			continue
		}
		if s, ok := gsmReplacements[r]; ok {
			b.WriteString(s)
			continue
		}
		s, ok := stripAccent(r)
		if !ok {
			return text
		}
		b.WriteString(s)
	}
	return b.String()
}

// Segments reports the encoding an SMS with this text is sent in and how many
// segments it is billed as: GSM-7 fits 160 septets in one segment and 153 per
// segment when concatenated (extension-table characters such as € { } [ ] ~
// take two septets and are never split across segments); UCS-2 fits 70
// UTF-16 units, or 67 per segment (surrogate pairs are never split). Empty
// text is zero segments.
func Segments(text string) (encoding string, n int) {
	if text == "" {
		return EncodingGSM7, 0
	}
	gsm, total := true, 0
	for _, r := range text {
		s := gsmSeptets(r)
		if s == 0 {
			gsm = false
			break
		}
		total += s
	}
	if gsm {
		return EncodingGSM7, pack(text, 160, 153, gsmSeptets, total)
	}
	units := func(r rune) int {
		if n := utf16.RuneLen(r); n > 0 {
			return n
		}
		return 1 // invalid runes are sent as U+FFFD
	}
	total = 0
	for _, r := range text {
		total += units(r)
	}
	return EncodingUCS2, pack(text, 70, 67, units, total)
}

// pack counts segments greedily: a character that does not fit in the
// current segment starts the next one.
func pack(text string, single, multi int, size func(rune) int, total int) int {
	if total <= single {
		return 1
	}
	n, used := 1, 0
	for _, r := range text {
		s := size(r)
		if used+s > multi {
			n++
			used = 0
		}
		used += s
	}
	return n
}
