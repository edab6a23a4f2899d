// Package intents turns a message into ranked intents with calibrated
// confidences, the message's language and a verdict (answer, clarify,
// none). It implements bot.Matcher with a TF-IDF model built at start-up
// from the knowledge base's training phrases; see New for the model.
package intents

import (
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
	docW                  float64 // weight of an article sentence against a phrase (0: articles not read)
}

func defaultOptions() options {
	return options{wordW: 1, bigramW: 0.5, charW: 1, minN: 3, maxN: 5, stem: true, k: 3, alpha: 0.3, oovW: 0.5, knnMaxDF: 0.2, spell: true, docW: 0.5}
}

// Matcher is an immutable index of training phrases; safe for concurrent use.
type Matcher struct {
	opt     options
	fold    *folder
	lang    *langModel
	langs   []bot.Lang   // the fallback first
	classes []bot.Intent // class index → intent, out of scope included if it has examples
	none    int          // class index of the out-of-scope examples, -1 without them
	social  []bool       // greeting and thanks: they yield to a real question

	vocab  map[uint64]int32 // feature hash → feature id
	idf    []float64
	maxIDF float64
	// postings in CSR form: the examples holding feature f are
	// postEx[postAt[f]:postAt[f+1]], with weights postW.
	postAt []int32
	postEx []int32
	postW  []float32
	// class sum vectors, sparse and feature-major (classSums)
	sumAt   []int32
	sumC    []int32
	sumW    []float32
	cnorm   []float64 // ‖class sum‖
	exCls   []int32
	exW     []float64 // sample weights
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
	phrases int     // training phrases (the other samples are article sentences)
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
	return Stats{Phrases: m.phrases, Features: len(m.idf), LeaveOneOut: m.looAcc, Temperature: m.temp, NoneBelow: m.minSim}
}

// wordInfo caches what a Match needs about a word the training phrases use.
type wordInfo struct {
	grams []int32          // its character n-gram feature ids, repeats included
	stem  [maxLangs]string // its stem in each language (Matcher.langs order)
	word  [maxLangs]int32  // feature id of that stem's unigram, -1 if unknown
	uses  int              // training phrases using it
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

// Config is what the matcher learns from: the knowledge base's phrases,
// its article texts and its language data.
type Config struct {
	Examples []bot.Example
	Docs     []bot.Doc
	Langs    []bot.Lang // the fallback first; default: the examples' languages
	// FunctionWords are the most common words of each language, for the
	// language detector and to tell content from filler.
	FunctionWords map[bot.Lang][]string
	Synonyms      map[string][]string // token → variants, across languages
	Shorthand     map[string]string   // chat abbreviation → its words
}

// Source is a loaded knowledge base (content.KB).
type Source interface {
	Examples() []bot.Example
	Docs() []bot.Doc
	Langs() []bot.Lang
	FunctionWords(bot.Lang) []string
	Synonyms() map[string][]string
	Shorthand() map[string]string
}

// FromSource builds the matcher of a knowledge base.
func FromSource(src Source) (*Matcher, error) { return New(ConfigOf(src)) }

// ConfigOf is what a matcher learns from a knowledge base.
func ConfigOf(src Source) Config {
	cfg := Config{Examples: src.Examples(), Docs: src.Docs(), Langs: src.Langs(), FunctionWords: map[bot.Lang][]string{},
		Synonyms: src.Synonyms(), Shorthand: src.Shorthand()}
	for _, l := range cfg.Langs {
		cfg.FunctionWords[l] = src.FunctionWords(l)
	}
	return cfg
}

// New builds the index from labelled training phrases and article texts.
// Examples of kind out_of_scope describe messages the bot does not handle.
//
// Text is normalized (accents, case, punctuation, repeated letters, chat
// shorthand, domain synonyms such as correo/courriel/email) into words;
// features are stemmed words, stem bigrams and character 3–5-grams within
// words, TF-IDF weighted and L2-normalized. A class scores the blend of the
// mean cosine of its 3 nearest phrases and the cosine to its centroid. The
// softmax temperature and the none threshold are fitted on leave-one-out
// scores of the phrases themselves, at every build.
func New(cfg Config) (*Matcher, error) {
	return build(cfg, defaultOptions())
}
