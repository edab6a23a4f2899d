package intents

import (
	"math"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// Language detection is a small naive-Bayes model over three languages:
// word unigrams (training phrases plus the function-word lists) for words
// any language knows, character trigrams for the rest (misspellings, words
// no phrase used), the accents only one language writes, and a prior from
// the hints. Each word's evidence is clipped so that one word never
// outweighs the rest of a sentence, and a hint outweighs a single
// ambiguous word ("ok", "no", "app") but not a sentence.
const (
	langWordClip   = 3.0  // max log-odds one known word contributes
	langGramWeight = 0.6  // weight of a word's mean trigram log-odds
	langGramClip   = 2.0  // max log-odds from one word's trigrams
	langAccent     = 1.5  // log-odds per distinctive accented letter
	langAccentClip = 4.0  // cap on accent evidence per language
	langHintPrior  = 2.5  // log-odds for the contact's remembered language
	langLocale     = 1.25 // log-odds for the channel locale
	langSmooth     = 0.5  // additive smoothing of counts
	funcWordCount  = 3.0  // pseudo-count of one function word
	langMaxWords   = 60   // words of a message the detector reads
)

var nLangs = len(bot.Langs)

type langModel struct {
	words      map[string][3]float64 // log-probability per language
	wordUnseen [3]float64            // log-probability of an unseen word
	grams      map[string][3]float64
	gramUnseen [3]float64
}

func langIndex(l bot.Lang) int {
	for i, x := range bot.Langs {
		if x == l {
			return i
		}
	}
	return -1
}

func newLangModel(examples []bot.Example, f *folder) *langModel {
	wc := map[string][3]float64{}
	gc := map[string][3]float64{}
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
	for li, l := range bot.Langs {
		for _, w := range normalize(functionWords[l]) {
			add(li, w, funcWordCount)
		}
	}
	for _, ex := range examples {
		li := langIndex(ex.Lang)
		if li < 0 {
			continue
		}
		for _, w := range f.words(ex.Text) {
			add(li, w, 1)
		}
	}
	m := &langModel{words: make(map[string][3]float64, len(wc)), grams: make(map[string][3]float64, len(gc))}
	m.words, m.wordUnseen = logProbs(wc)
	m.grams, m.gramUnseen = logProbs(gc)
	return m
}

// logProbs turns counts into smoothed log-probabilities per language.
func logProbs(counts map[string][3]float64) (map[string][3]float64, [3]float64) {
	var tot [3]float64
	for _, c := range counts {
		for i := range tot {
			tot[i] += c[i]
		}
	}
	v := float64(len(counts) + 1)
	var unseen [3]float64
	for i := range unseen {
		unseen[i] = math.Log(langSmooth / (tot[i] + langSmooth*v))
	}
	out := make(map[string][3]float64, len(counts))
	for k, c := range counts {
		var lp [3]float64
		for i := range lp {
			lp[i] = math.Log((c[i] + langSmooth) / (tot[i] + langSmooth*v))
		}
		out[k] = lp
	}
	return out, unseen
}

// detect returns the language of raw text (words is its normalized form)
// and the confidence of that decision.
func (m *langModel) detect(raw string, words []string, h bot.MatchHints) (bot.Lang, float64) {
	var score [3]float64
	if len(words) > langMaxWords {
		words = words[:langMaxWords] // plenty of evidence; bounds the cost
	}
	for _, w := range words {
		if lp, ok := m.words[w]; ok {
			addClipped(&score, lp, 1, langWordClip)
			continue
		}
		if isNumber(w) {
			continue
		}
		p := " " + w + " "
		var sum [3]float64
		n := 0
		for i := 0; i+3 <= len(p); i++ {
			lp, ok := m.grams[p[i:i+3]]
			if !ok {
				lp = m.gramUnseen
			}
			for j := range sum {
				sum[j] += lp[j]
			}
			n++
		}
		if n > 0 {
			for j := range sum {
				sum[j] /= float64(n)
			}
			addClipped(&score, sum, langGramWeight, langGramClip)
		}
	}
	accents(&score, raw)
	if li := langIndex(h.Lang); li >= 0 {
		score[li] += langHintPrior
	}
	if li := langIndex(localeLang(h.Locale)); li >= 0 {
		score[li] += langLocale
	}
	best := 0
	for i := 1; i < nLangs; i++ {
		if score[i] > score[best] {
			best = i
		}
	}
	// softmax of the log-odds gives the confidence of the decision
	var z float64
	for i := 0; i < nLangs; i++ {
		z += math.Exp(score[i] - score[best])
	}
	return bot.Langs[best], 1 / z
}

// addClipped adds w·(lp - max lp), each term clipped at -clip: the evidence
// is how much less likely the word is in each language than in the best.
func addClipped(score *[3]float64, lp [3]float64, w, clip float64) {
	mx := lp[0]
	if lp[1] > mx {
		mx = lp[1]
	}
	if lp[2] > mx {
		mx = lp[2]
	}
	for i := range score {
		d := lp[i] - mx
		if d < -clip {
			d = -clip
		}
		score[i] += w * d
	}
}

// accents adds evidence for letters only one of the languages writes.
func accents(score *[3]float64, raw string) {
	var es, fr float64
	for _, r := range prefix(raw) {
		switch r {
		case 'ñ', 'Ñ', '¿', '¡', 'á', 'í', 'ó', 'ú', 'Á', 'Í', 'Ó', 'Ú':
			es++
		case 'ç', 'Ç', 'è', 'ê', 'à', 'â', 'î', 'ô', 'û', 'ë', 'ï', 'ù', 'œ', 'È', 'Ê', 'À', 'É':
			fr++
		case 'é':
			es += 0.5
			fr += 0.5
		}
	}
	score[langIndex(bot.LangES)] += math.Min(es*langAccent, langAccentClip)
	score[langIndex(bot.LangFR)] += math.Min(fr*langAccent, langAccentClip)
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
