package intents

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// sample is one text the index learns from: a training phrase (weight 1)
// or a sentence of an article (weight docWeight, or 1 for an intent that
// has no phrases at all: then its text is all there is).
type sample struct {
	bot.Example
	weight float64
	doc    bool
}

func build(cfg Config, opt options) (*Matcher, error) {
	samples := samplesOf(cfg, opt)
	if len(samples) == 0 {
		return nil, errors.New("intents: no training examples")
	}
	m := &Matcher{opt: opt, fold: newFolder(cfg.Synonyms, cfg.Shorthand), none: -1, vocab: map[uint64]int32{}}
	m.langs = cfg.Langs
	if len(m.langs) == 0 {
		m.langs = langsOf(samples)
	}
	if len(m.langs) > maxLangs {
		return nil, fmt.Errorf("intents: %d languages, at most %d", len(m.langs), maxLangs)
	}
	clsOf, err := m.classify(samples)
	if err != nil {
		return nil, err
	}
	m.lang = newLangModel(m.langs, langTexts(samples), cfg.FunctionWords, m.fold)
	m.funcWords = map[string]bool{}
	for _, l := range m.langs {
		for _, w := range normalize(strings.Join(cfg.FunctionWords[l], " ")) {
			m.funcWords[w] = true
		}
	}
	feats, df, kinds, wordUse := m.featurize(samples, clsOf)
	m.findSocialWords(samples, wordUse)
	n := float64(len(samples))
	m.idf = make([]float64, len(df))
	for i, d := range df {
		m.idf[i] = (math.Log((n+1)/(d+1)) + 1) * opt.kindWeight(kinds[i])
	}
	m.maxIDF = math.Log(n+1) + 1
	m.learnWords(wordUse)
	vecs := m.index(feats, df)
	m.calibrate(vecs, samples)
	return m, nil
}

// samplesOf turns phrases and article texts into samples.
func samplesOf(cfg Config, opt options) []sample {
	out := make([]sample, 0, len(cfg.Examples))
	phrased := map[bot.Intent]bool{}
	for _, ex := range cfg.Examples {
		out = append(out, sample{Example: ex, weight: 1})
		phrased[ex.Intent] = true
	}
	if opt.docW <= 0 {
		return out
	}
	for _, d := range cfg.Docs {
		if d.Kind != bot.AnswerIntent {
			continue // a greeting's or a handoff's text is a reply, not a question
		}
		w := opt.docW
		if !phrased[d.Intent] {
			w = 1
		}
		for _, s := range docSentences(d) {
			out = append(out, sample{Example: bot.Example{Text: s, Intent: d.Intent, Kind: d.Kind, Lang: d.Lang}, weight: w, doc: true})
		}
	}
	return out
}

// docSentences splits an article's text into the sentences a question
// may resemble: its title and each sentence of its short and full forms,
// Markdown marks removed, very short fragments dropped.
func docSentences(d bot.Doc) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(d.Text, "\n") {
		line = strings.NewReplacer("*", " ", "_", " ", "`", " ", "#", " ").Replace(line)
		for _, s := range splitSentences(line) {
			s = strings.TrimLeft(strings.TrimSpace(s), "-•0123456789.) ")
			if len(strings.Fields(s)) < 3 || seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// splitSentences cuts text after ., ?, ! and : followed by a space.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+1 < len(text); i++ {
		if strings.IndexByte(".?!:;", text[i]) >= 0 && text[i+1] == ' ' {
			out = append(out, text[start:i+1])
			start = i + 1
		}
	}
	return append(out, text[start:])
}

func langsOf(samples []sample) []bot.Lang {
	var out []bot.Lang
	seen := map[bot.Lang]bool{}
	for _, s := range samples {
		if !seen[s.Lang] {
			seen[s.Lang] = true
			out = append(out, s.Lang)
		}
	}
	return out
}

func langTexts(samples []sample) []langText {
	out := make([]langText, len(samples))
	for i, s := range samples {
		out[i] = langText{lang: s.Lang, text: s.Text, n: 1}
	}
	return out
}

// classify gives each intent a class in first-seen order; every
// out-of-scope intent shares the one none class.
func (m *Matcher) classify(samples []sample) (map[bot.Intent]int, error) {
	clsOf := map[bot.Intent]int{}
	for i, s := range samples {
		if s.Intent == "" {
			return nil, fmt.Errorf("intents: example %d: no intent", i)
		}
		if !containsLang(m.langs, s.Lang) {
			return nil, fmt.Errorf("intents: example %d (%s): language %q is not one of the knowledge base's", i, s.Intent, s.Lang)
		}
		if _, ok := clsOf[s.Intent]; ok {
			continue
		}
		if s.Kind == bot.OutOfScopeIntent && m.none >= 0 {
			clsOf[s.Intent] = m.none
			continue
		}
		clsOf[s.Intent] = len(m.classes)
		if s.Kind == bot.OutOfScopeIntent {
			m.none = len(m.classes)
		}
		m.classes = append(m.classes, s.Intent)
		m.social = append(m.social, s.Kind.Social())
	}
	if m.none >= 0 && len(m.classes) == 1 {
		return nil, errors.New("intents: only out-of-scope examples")
	}
	for _, s := range samples {
		m.exCls = append(m.exCls, int32(clsOf[s.Intent]))
		m.exW = append(m.exW, s.weight)
	}
	return clsOf, nil
}

func containsLang(ls []bot.Lang, l bot.Lang) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// featurize extracts every sample's features and counts document
// frequencies and word uses (folded word → social uses, all uses).
func (m *Matcher) featurize(samples []sample, clsOf map[bot.Intent]int) ([][]feature, []float64, []byte, map[string][2]int) {
	m.stems = map[stemKey]string{}
	feats := make([][]feature, 0, len(samples))
	var df []float64
	var kinds []byte
	wordUse := map[string][2]int{}
	counts := map[uint64]int{}
	for _, s := range samples {
		c := clsOf[s.Intent]
		words := m.fold.fold(m.fold.words(s.Text))
		if !s.doc {
			countUses(wordUse, words, m.social[c])
		}
		clear(counts)
		var fs []feature
		m.opt.features(words, m.stemmer(s.Lang, true), func(kind byte, h uint64) {
			if i, ok := counts[h]; ok {
				fs[i].count++
				return
			}
			counts[h] = len(fs)
			fs = append(fs, feature{hash: h, kind: kind, count: 1})
		})
		for _, f := range fs {
			id, ok := m.vocab[f.hash]
			if !ok {
				id = int32(len(df))
				m.vocab[f.hash] = id
				df = append(df, 0)
				kinds = append(kinds, f.kind)
			}
			df[id]++
		}
		feats = append(feats, fs)
	}
	for _, s := range samples {
		if s.doc { // words only an article uses are known too (spelling, stems)
			for _, w := range m.fold.fold(m.fold.words(s.Text)) {
				if _, ok := wordUse[w]; !ok {
					wordUse[w] = [2]int{}
				}
			}
		}
	}
	return feats, df, kinds, wordUse
}

func countUses(wordUse map[string][2]int, words []string, social bool) {
	seen := map[string]bool{}
	for _, w := range words {
		if seen[w] {
			continue
		}
		seen[w] = true
		u := wordUse[w]
		if social {
			u[0]++
		}
		u[1]++
		wordUse[w] = u
	}
}

// findSocialWords: words greeting and thanks phrases use at least three
// times as often as the other phrases ("hola", "merci", "thanks" also open
// real questions, so a plain majority would miss them).
func (m *Matcher) findSocialWords(samples []sample, wordUse map[string][2]int) {
	nSocial, nOther := 0, 0
	for i, c := range m.exCls {
		switch {
		case samples[i].doc:
		case m.social[c]:
			nSocial++
		default:
			nOther++
		}
	}
	m.socialWords = map[string]bool{}
	for w, u := range wordUse {
		socialRate := float64(u[0]) / float64(max(nSocial, 1))
		otherRate := float64(u[1]-u[0]) / float64(max(nOther, 1))
		if u[0] >= 2 && socialRate >= 3*otherRate {
			m.socialWords[w] = true
		}
	}
}

// learnWords looks the n-grams and stems of every known word up once.
func (m *Matcher) learnWords(wordUse map[string][2]int) {
	m.known = make(map[string]*wordInfo, len(wordUse))
	for w, u := range wordUse {
		wi := &wordInfo{uses: u[1]}
		m.opt.grams(w, func(_ byte, h uint64) {
			if id, ok := m.vocab[h]; ok {
				wi.grams = append(wi.grams, id)
			}
		})
		for li, l := range m.langs {
			st := w
			if m.opt.stem {
				st = m.stemmer(l, false)(w)
			}
			wi.stem[li] = st
			wi.word[li] = -1
			if id, ok := m.vocab[hashBytes(hashKind(kindWord), st)]; ok {
				wi.word[li] = id
			}
		}
		m.known[w] = wi
	}
	m.stems = nil
	m.buildSpell()
}

// index builds the sample vectors (scaled by their weight), the postings
// of the nearest-sample search and the class sums.
func (m *Matcher) index(feats [][]feature, df []float64) [][]entry {
	nc, nf := len(m.classes), len(df)
	m.clsN = make([]int, nc)
	vecs := make([][]entry, len(feats))
	m.postAt = make([]int32, nf+1)
	// Very common features (" de", "the") cost the most to search and say
	// the least about the nearest sample; the centroids still use them.
	maxDF := math.Max(2, m.opt.knnMaxDF*float64(len(feats)))
	for i, fs := range feats {
		v := make([]entry, 0, len(fs))
		for _, f := range fs {
			id := m.vocab[f.hash]
			v = append(v, entry{id: id, w: (1 + math.Log(f.count)) * m.idf[id]})
		}
		v = normalized(v, 0)
		vecs[i] = v
		m.clsN[m.exCls[i]]++
		for _, e := range v {
			if df[e.id] <= maxDF {
				m.postAt[e.id+1]++
			}
		}
	}
	for f := 0; f < nf; f++ {
		m.postAt[f+1] += m.postAt[f]
	}
	m.postEx = make([]int32, m.postAt[nf])
	m.postW = make([]float32, m.postAt[nf])
	fill := make([]int32, nf)
	copy(fill, m.postAt[:nf])
	for i, v := range vecs {
		for _, e := range v {
			if df[e.id] > maxDF {
				continue
			}
			m.postEx[fill[e.id]] = int32(i)
			m.postW[fill[e.id]] = float32(m.exW[i] * e.w)
			fill[e.id]++
		}
	}
	m.classSums(vecs, nf)
	return vecs
}

// classSums builds the class sum vectors, sparse and feature-major (the
// classes whose samples hold feature f are sumC[sumAt[f]:sumAt[f+1]], with
// sums sumW), and their norms. A dense features × classes matrix would
// grow with the product: hundreds of MB at 150 intents.
func (m *Matcher) classSums(vecs [][]entry, nf int) {
	nc := len(m.classes)
	byClass := make([][]int, nc)
	for i := range vecs {
		byClass[m.exCls[i]] = append(byClass[m.exCls[i]], i)
	}
	type cell struct {
		f int32
		w float32
	}
	cells := make([][]cell, nc)
	acc := make([]float32, nf) // one class's sum; weights are positive, so 0 means untouched
	var touched []int32
	m.sumAt = make([]int32, nf+1)
	m.cnorm = make([]float64, nc)
	for c, idx := range byClass {
		touched = touched[:0]
		for _, i := range idx {
			for _, e := range vecs[i] {
				if acc[e.id] == 0 {
					touched = append(touched, e.id)
				}
				acc[e.id] += float32(m.exW[i] * e.w)
			}
		}
		for _, f := range touched {
			cells[c] = append(cells[c], cell{f, acc[f]})
			m.sumAt[f+1]++
			m.cnorm[c] += float64(acc[f]) * float64(acc[f])
			acc[f] = 0
		}
		m.cnorm[c] = math.Sqrt(m.cnorm[c])
	}
	for f := 0; f < nf; f++ {
		m.sumAt[f+1] += m.sumAt[f]
	}
	m.sumC = make([]int32, m.sumAt[nf])
	m.sumW = make([]float32, m.sumAt[nf])
	fill := append([]int32(nil), m.sumAt[:nf]...)
	for c, cs := range cells {
		for _, x := range cs {
			m.sumC[fill[x.f]], m.sumW[fill[x.f]] = int32(c), x.w
			fill[x.f]++
		}
	}
}
