package intents

import (
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/arabic"
	"github.com/blevesearch/snowballstem/danish"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"github.com/blevesearch/snowballstem/hungarian"
	"github.com/blevesearch/snowballstem/irish"
	"github.com/blevesearch/snowballstem/italian"
	"github.com/blevesearch/snowballstem/norwegian"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/romanian"
	"github.com/blevesearch/snowballstem/russian"
	"github.com/blevesearch/snowballstem/spanish"
	"github.com/blevesearch/snowballstem/swedish"
	"github.com/blevesearch/snowballstem/tamil"
	"github.com/blevesearch/snowballstem/turkish"

	"github.com/hexfit/supportbot/bot"
)

// Feature kinds, mixed into the hash so that a word and an n-gram with the
// same letters stay apart.
const (
	kindWord   = 'w'
	kindBigram = 'b'
	kindGram   = 'g'
)

// feature is one hashed feature with its raw count in a text.
type feature struct {
	hash  uint64
	kind  byte
	count float64
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashKind(kind byte) uint64 {
	return (fnvOffset ^ uint64(kind)) * fnvPrime
}

// stemmers are the Snowball stemmers by ISO 639-1 code. A language
// without one is matched unstemmed (its character n-grams still bridge
// inflections).
var stemmers = map[bot.Lang]func(*snowballstem.Env) bool{
	"ar": arabic.Stem, "da": danish.Stem, "nl": dutch.Stem, "en": english.Stem, "fi": finnish.Stem,
	"fr": french.Stem, "de": german.Stem, "hu": hungarian.Stem, "ga": irish.Stem, "it": italian.Stem,
	"no": norwegian.Stem, "nb": norwegian.Stem, "pt": portuguese.Stem, "ro": romanian.Stem,
	"ru": russian.Stem, "es": spanish.Stem, "sv": swedish.Stem, "ta": tamil.Stem, "tr": turkish.Stem,
}

// HasStemmer reports whether language l is stemmed.
func HasStemmer(l bot.Lang) bool { return stemmers[l] != nil }

// stem reduces a normalized word with the snowball stemmer of its language.
func stem(w string, l bot.Lang) string {
	fn := stemmers[l]
	if fn == nil || len(w) < 4 || isNumber(w) {
		return w
	}
	env := snowballstem.NewEnv(w)
	fn(env)
	return env.Current()
}

// features calls fn for every feature of folded words, repeats included:
// stemmed word unigrams, bigrams of stems and character n-grams
// (minN..maxN) of each word padded with spaces, so that n-grams never cross
// a word boundary. stemmer maps a word to its stem.
func (o *options) features(words []string, stemmer func(string) string, fn func(kind byte, h uint64)) {
	hw, hb := hashKind(kindWord), hashKind(kindBigram)
	prev := ""
	for _, w := range words {
		s := w
		if o.stem {
			s = stemmer(w)
		}
		fn(kindWord, hashBytes(hw, s))
		if prev != "" && o.bigramW > 0 {
			fn(kindBigram, hashBytes(hashBytes(hashBytes(hb, prev), " "), s))
		}
		prev = s
		o.grams(w, fn)
	}
}

// grams calls fn for the character n-grams of one word.
func (o *options) grams(w string, fn func(kind byte, h uint64)) {
	if o.charW == 0 || len(w) > maxWordGram {
		return // no real word is that long; a pasted blob adds noise
	}
	hg := hashKind(kindGram)
	var pad [maxWordGram + 2]byte
	p := pad[:len(w)+2]
	p[0], p[len(p)-1] = ' ', ' '
	copy(p[1:], w)
	for n := o.minN; n <= o.maxN; n++ {
		for i := 0; i+n <= len(p); i++ {
			h := hg
			for _, c := range p[i : i+n] {
				h ^= uint64(c)
				h *= fnvPrime
			}
			fn(kindGram, h)
		}
	}
}

// maxWordGram is the longest word that gets character n-grams.
const maxWordGram = 40

func (o *options) kindWeight(k byte) float64 {
	switch k {
	case kindWord:
		return o.wordW
	case kindBigram:
		return o.bigramW
	default:
		return o.charW
	}
}
