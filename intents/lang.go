package intents

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hexfit/supportbot/bot"
)

// Language detection is a small naive-Bayes model over the knowledge
// base's languages, learnt from its content: word unigrams (training
// phrases, article texts and the function-word lists) for words any
// language knows, character trigrams for the rest (misspellings, words no
// phrase used), the accented letters each language writes (ñ, ç, ã), and
// a prior from the hints. Each word's evidence is clipped so that one word never
// outweighs the rest of a sentence, and a hint outweighs a single
// ambiguous word ("ok", "no", "app") but not a sentence.
const (
	langWordClip   = 3.0  // max log-odds one known word contributes
	langGramWeight = 0.6  // weight of a word's mean trigram log-odds
	langGramClip   = 2.0  // max log-odds from one word's trigrams
	langAccent     = 1.5  // weight of one accented letter's log-odds
	langAccentClip = 4.0  // cap on accent evidence, per language
	langHintPrior  = 2.5  // log-odds for the contact's remembered language
	langLocale     = 1.25 // log-odds for the channel locale
	langSmooth     = 0.5  // additive smoothing of counts
	funcWordCount  = 3.0  // pseudo-count of one function word
	langMaxWords   = 60   // words of a message the detector reads
)

// maxLangs bounds the languages of one model (content.MaxLangs).
const maxLangs = 8

// lvec holds one value per language, in the model's language order.
type lvec = [maxLangs]float64

type langModel struct {
	langs      []bot.Lang
	words      map[string]lvec // log-probability per language
	wordUnseen lvec            // log-probability of an unseen word
	grams      map[string]lvec
	gramUnseen lvec
	letters    map[rune]lvec // accented letters: log-odds against the best language
}

func (m *langModel) index(l bot.Lang) int {
	for i, x := range m.langs {
		if x == l {
			return i
		}
	}
	return -1
}

// langText is one piece of text known to be in a language.
type langText struct {
	lang bot.Lang
	text string
	n    float64 // weight of its words
}

func newLangModel(langs []bot.Lang, texts []langText, fw map[bot.Lang][]string, f *folder) *langModel {
	m := &langModel{langs: langs}
	wc := map[string]lvec{}
	gc := map[string]lvec{}
	lc := map[rune]lvec{}
	add := func(li int, w string, n float64) {
		c := wc[w]
		c[li] += n
		wc[w] = c
		p := " " + w + " "
		for i := 0; i+3 <= len(p); i++ {
			g := gc[p[i:i+3]]
			g[li] += n
			gc[p[i:i+3]] = g
		}
	}
	for li, l := range langs {
		for _, w := range normalize(strings.Join(fw[l], " ")) {
			add(li, w, funcWordCount)
		}
	}
	for _, t := range texts {
		li := m.index(t.lang)
		if li < 0 {
			continue
		}
		for _, w := range f.words(t.text) {
			add(li, w, t.n)
		}
		countLetters(lc, li, t.text)
	}
	m.words, m.wordUnseen = logProbs(wc, len(langs))
	m.grams, m.gramUnseen = logProbs(gc, len(langs))
	m.letters = letterOdds(lc, len(langs))
	return m
}

// countLetters counts the letters outside ASCII of one text.
func countLetters(lc map[rune]lvec, li int, text string) {
	for _, r := range prefix(text) {
		if r < utf8.RuneSelf || !unicode.IsLetter(r) {
			continue
		}
		c := lc[unicode.ToLower(r)]
		c[li]++
		lc[unicode.ToLower(r)] = c
	}
}

// letterOdds turns letter counts into each language's log-odds against
// the language that writes the letter most (0 for that one), so a letter
// only one language uses (ñ, ç, ã) speaks for it and one all use says
// little. Rates are per letter of each language's texts.
func letterOdds(lc map[rune]lvec, n int) map[rune]lvec {
	var tot lvec
	for _, c := range lc {
		for i := range n {
			tot[i] += c[i]
		}
	}
	out := make(map[rune]lvec, len(lc))
	for r, c := range lc {
		var lp lvec
		mx := math.Inf(-1)
		for i := range n {
			lp[i] = math.Log((c[i] + langSmooth) / (tot[i] + langSmooth*float64(len(lc)+1)))
			mx = math.Max(mx, lp[i])
		}
		for i := range n {
			lp[i] = math.Max(lp[i]-mx, -3)
		}
		out[r] = lp
	}
	return out
}

// logProbs turns counts into smoothed log-probabilities per language.
func logProbs(counts map[string]lvec, n int) (map[string]lvec, lvec) {
	var tot lvec
	for _, c := range counts {
		for i := range n {
			tot[i] += c[i]
		}
	}
	v := float64(len(counts) + 1)
	var unseen lvec
	for i := range n {
		unseen[i] = math.Log(langSmooth / (tot[i] + langSmooth*v))
	}
	out := make(map[string]lvec, len(counts))
	for k, c := range counts {
		var lp lvec
		for i := range n {
			lp[i] = math.Log((c[i] + langSmooth) / (tot[i] + langSmooth*v))
		}
		out[k] = lp
	}
	return out, unseen
}

// detect returns the language of raw text (words is its normalized form)
// and the confidence of that decision.
func (m *langModel) detect(raw string, words []string, h bot.MatchHints) (bot.Lang, float64) {
	var score lvec
	n := len(m.langs)
	if len(words) > langMaxWords {
		words = words[:langMaxWords] // plenty of evidence; bounds the cost
	}
	for _, w := range words {
		if lp, ok := m.words[w]; ok {
			addClipped(&score, &lp, n, 1, langWordClip)
			continue
		}
		if isNumber(w) {
			continue
		}
		p := " " + w + " "
		var sum lvec
		k := 0
		for i := 0; i+3 <= len(p); i++ {
			lp, ok := m.grams[p[i:i+3]]
			if !ok {
				lp = m.gramUnseen
			}
			for j := range n {
				sum[j] += lp[j]
			}
			k++
		}
		if k > 0 {
			for j := range n {
				sum[j] /= float64(k)
			}
			addClipped(&score, &sum, n, langGramWeight, langGramClip)
		}
	}
	m.accents(&score, raw)
	if li := m.index(h.Lang); li >= 0 {
		score[li] += langHintPrior
	}
	if li := m.index(localeLang(h.Locale)); li >= 0 {
		score[li] += langLocale
	}
	best := 0
	for i := 1; i < n; i++ {
		if score[i] > score[best] {
			best = i
		}
	}
	// softmax of the log-odds gives the confidence of the decision
	var z float64
	for i := range n {
		z += math.Exp(score[i] - score[best])
	}
	return m.langs[best], 1 / z
}

// addClipped adds w·(lp - max lp), each term clipped at -clip: the evidence
// is how much less likely the word is in each language than in the best.
func addClipped(score, lp *lvec, n int, w, clip float64) {
	mx := lp[0]
	for i := 1; i < n; i++ {
		mx = math.Max(mx, lp[i])
	}
	for i := range n {
		score[i] += w * math.Max(lp[i]-mx, -clip)
	}
}

// accents adds the evidence of the accented letters, capped per language.
func (m *langModel) accents(score *lvec, raw string) {
	var acc lvec
	n := len(m.langs)
	for _, r := range prefix(raw) {
		if r < utf8.RuneSelf {
			continue
		}
		if lp, ok := m.letters[unicode.ToLower(r)]; ok {
			for i := range n {
				acc[i] += lp[i]
			}
		}
	}
	for i := range n {
		score[i] += math.Max(acc[i]*langAccent, -langAccentClip)
	}
}

// localeLang maps "fr-CA" or "es_MX" to its language.
func localeLang(loc string) bot.Lang {
	if len(loc) < 2 {
		return ""
	}
	return bot.Lang(strings.ToLower(loc[:2]))
}

func isNumber(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return true
}
