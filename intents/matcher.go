// Package intents turns a message into ranked intents with calibrated
// confidences, the message's language and a verdict (answer, clarify,
// none). It implements bot.Matcher with a TF-IDF model built at start-up
// from the knowledge base's training phrases; see New for the model.
package intents

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/hexfit/supportbot/bot"
)

var _ bot.Matcher = (*Matcher)(nil)

// options are the model's hyper-parameters. They were chosen on
// leave-one-out accuracy of the training phrases and on robustness to
// slips and greetings (robust_test.go), checked against the held-out set;
// differences between neighbouring values are small.
type options struct {
	wordW, bigramW, charW float64 // weight of each feature kind
	minN, maxN            int     // character n-gram lengths
	stem                  bool
	k                     int     // nearest examples averaged per class
	alpha                 float64 // weight of nearest examples vs centroid
	oovW                  float64 // weight of unknown words in the norm
	spell                 bool    // correct unknown words one edit from a known one
	knnMaxDF              float64 // features in more examples than this share skip the nearest-example search
}

func defaultOptions() options {
	return options{wordW: 1, bigramW: 0.5, charW: 1, minN: 3, maxN: 5, stem: true, k: 3, alpha: 0.3, oovW: 0.5, knnMaxDF: 0.2, spell: true}
}

// Matcher is an immutable index of training phrases; safe for concurrent use.
type Matcher struct {
	opt     options
	fold    *folder
	lang    *langModel
	classes []bot.Intent // class index → intent, None included if it has examples
	none    int          // class index of None, -1 without none examples
	social  []bool       // greeting and thanks: they yield to a real question

	vocab  map[uint64]int32 // feature hash → feature id
	idf    []float64
	maxIDF float64
	// postings in CSR form: the examples holding feature f are
	// postEx[postAt[f]:postAt[f+1]], with weights postW.
	postAt  []int32
	postEx  []int32
	postW   []float32
	sums    []float32 // class sum vectors, feature-major: sums[f*nc+c]
	cnorm   []float64 // ‖class sum‖
	exCls   []int32
	clsN    []int
	stems   map[stemKey]string   // stems of the training words (build time only)
	known   map[string]*wordInfo // training word → its features, looked up once
	deletes map[string][]string  // known words by one deleted letter (spell.go)
	pool    sync.Pool            // *scratch

	socialWords map[string]bool // folded words said mostly to greet or thank
	funcWords   map[string]bool

	temp    float64 // softmax temperature (leave-one-out fit)
	minSim  float64 // below this best in-scope score the verdict is none
	clarify float64 // p2/p1 at or above this asks which one
	looAcc  float64 // leave-one-out accuracy of the training phrases
}

// Stats describes a built index and its calibration.
type Stats struct {
	Phrases     int     // training phrases
	Features    int     // distinct features
	LeaveOneOut float64 // accuracy of each phrase scored without itself
	Temperature float64 // softmax temperature
	NoneBelow   float64 // best in-scope score under which the verdict is none
}

// Stats reports the size and calibration of the index (for logs and the
// eval command).
func (m *Matcher) Stats() Stats {
	return Stats{Phrases: len(m.exCls), Features: len(m.idf), LeaveOneOut: m.looAcc, Temperature: m.temp, NoneBelow: m.minSim}
}

// wordInfo caches what a Match needs about a word the training phrases use.
type wordInfo struct {
	grams []int32   // its character n-gram feature ids, repeats included
	stem  [3]string // its stem in each language (bot.Langs order)
	word  [3]int32  // feature id of that stem's unigram, -1 if unknown
	uses  int       // training phrases using it
}

type stemKey struct {
	lang bot.Lang
	word string
}

// scratch holds one Match call's buffers; pooled so that a call allocates
// little.
type scratch struct {
	pos  []int32 // feature id → 1 + index in ids, 0 when absent
	ids  []int32
	cnt  []float64
	vec  []entry
	sims []float32
	s    []float64
	s2   []float64
	p    []float64
}

// entry is one weighted feature of an L2-normalized vector.
type entry struct {
	id int32
	w  float64
}

// New builds the index from labelled training phrases (content.KB.Examples).
// Every example needs a known intent and a supported language; None
// examples describe out-of-scope messages.
//
// Text is normalized (accents, case, punctuation, repeated letters, chat
// shorthand, domain synonyms such as correo/courriel/email) into words;
// features are stemmed words, stem bigrams and character 3–5-grams within
// words, TF-IDF weighted and L2-normalized. A class scores the blend of the
// mean cosine of its 3 nearest phrases and the cosine to its centroid. The
// softmax temperature and the none threshold are fitted on leave-one-out
// scores of the phrases themselves, at every build.
func New(examples []bot.Example) (*Matcher, error) {
	return build(examples, defaultOptions())
}

func build(examples []bot.Example, opt options) (*Matcher, error) {
	if len(examples) == 0 {
		return nil, errors.New("intents: no training examples")
	}
	m := &Matcher{opt: opt, fold: newFolder(), none: -1, vocab: map[uint64]int32{}}
	clsOf := map[bot.Intent]int{}
	for i, ex := range examples {
		if !ex.Intent.Known() {
			return nil, fmt.Errorf("intents: example %d: unknown intent %q", i, ex.Intent)
		}
		if !ex.Lang.Valid() {
			return nil, fmt.Errorf("intents: example %d (%s): unsupported language %q", i, ex.Intent, ex.Lang)
		}
		if _, ok := clsOf[ex.Intent]; !ok {
			clsOf[ex.Intent] = -1
		}
	}
	for _, in := range bot.Intents { // stable class order
		if _, ok := clsOf[in]; ok {
			clsOf[in] = len(m.classes)
			if in == bot.None {
				m.none = len(m.classes)
			}
			m.classes = append(m.classes, in)
			m.social = append(m.social, in == bot.Greeting || in == bot.Thanks)
		}
	}
	if m.none >= 0 && len(m.classes) == 1 {
		return nil, errors.New("intents: only none examples")
	}
	m.lang = newLangModel(examples, m.fold)
	m.funcWords = map[string]bool{}
	for _, l := range bot.Langs {
		for _, w := range normalize(functionWords[l]) {
			m.funcWords[w] = true
		}
	}

	// Features and document frequencies.
	nc := len(m.classes)
	m.stems = map[stemKey]string{}
	feats := make([][]feature, 0, len(examples))
	var df []float64
	var kinds []byte
	wordUse := map[string][2]int{} // folded word → (social uses, all uses)
	counts := map[uint64]int{}
	for _, ex := range examples {
		c := clsOf[ex.Intent]
		m.exCls = append(m.exCls, int32(c))
		words := m.fold.fold(m.fold.words(ex.Text))
		seen := map[string]bool{}
		for _, w := range words {
			if seen[w] {
				continue
			}
			seen[w] = true
			u := wordUse[w]
			if m.social[c] {
				u[0]++
			}
			u[1]++
			wordUse[w] = u
		}
		clear(counts)
		var fs []feature
		opt.features(words, m.stemmer(ex.Lang, true), func(kind byte, h uint64) {
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
	// Social words are those greeting and thanks phrases use at least
	// three times as often as the other phrases ("hola", "merci", "thanks"
	// also open real questions, so a plain majority would miss them).
	nSocial, nOther := 0, 0
	for _, c := range m.exCls {
		if m.social[c] {
			nSocial++
		} else {
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
	n := float64(len(examples))
	m.idf = make([]float64, len(df))
	for i, d := range df {
		m.idf[i] = (math.Log((n+1)/(d+1)) + 1) * opt.kindWeight(kinds[i])
	}
	m.maxIDF = math.Log(n+1) + 1

	// The n-grams of known words are looked up once, here.
	m.known = make(map[string]*wordInfo, len(wordUse))
	for w := range wordUse {
		wi := &wordInfo{uses: wordUse[w][1]}
		opt.grams(w, func(_ byte, h uint64) { wi.grams = append(wi.grams, m.vocab[h]) })
		for li, l := range bot.Langs {
			st := w
			if opt.stem {
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

	// Example vectors, postings and class sums.
	nf := len(df)
	m.sums = make([]float32, nf*nc)
	m.clsN = make([]int, nc)
	vecs := make([][]entry, len(examples))
	m.postAt = make([]int32, nf+1)
	// Very common features (" de", "the") cost the most to search and say
	// the least about the nearest example; the centroids still use them.
	maxDF := math.Max(2, opt.knnMaxDF*n)
	for i, fs := range feats {
		v := make([]entry, 0, len(fs))
		for _, f := range fs {
			id := m.vocab[f.hash]
			v = append(v, entry{id: id, w: (1 + math.Log(f.count)) * m.idf[id]})
		}
		v = normalized(v, 0)
		vecs[i] = v
		c := int(m.exCls[i])
		m.clsN[c]++
		for _, e := range v {
			if df[e.id] <= maxDF {
				m.postAt[e.id+1]++
			}
			m.sums[int(e.id)*nc+c] += float32(e.w)
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
			m.postW[fill[e.id]] = float32(e.w)
			fill[e.id]++
		}
	}
	m.cnorm = make([]float64, nc)
	for f := 0; f < len(df); f++ {
		for c := 0; c < nc; c++ {
			s := float64(m.sums[f*nc+c])
			m.cnorm[c] += s * s
		}
	}
	for c := range m.cnorm {
		m.cnorm[c] = math.Sqrt(m.cnorm[c])
	}
	m.calibrate(vecs)
	return m, nil
}
