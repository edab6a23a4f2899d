package intents

import (
	"math"

	"github.com/hexfit/supportbot/bot"
)

// Match implements bot.Matcher. It reads at most the first 1 KB of text.
// Hints only steer the language decision (h.Audience is not used: staff
// and client phrasings map to the same intents).
func (m *Matcher) Match(text string, h bot.MatchHints) (res bot.Match) {
	defer func() {
		// Match must never fail the engine: a bug degrades to "not
		// understood" (FuzzMatch calls match directly to find such bugs).
		if r := recover(); r != nil {
			res = bot.Match{Lang: m.fallbackLang(h), Verdict: bot.VerdictNone, None: m.noneIntent()}
		}
	}()
	return m.match(text, h)
}

// socialKeep is the share of a greeting's score a question left once the
// social words are removed must reach to win.
const socialKeep = 0.6

func (m *Matcher) match(text string, h bot.MatchHints) bot.Match {
	words := m.fold.words(text)
	if len(words) == 0 {
		return bot.Match{Lang: m.fallbackLang(h), Verdict: bot.VerdictNone, Empty: true, None: m.noneIntent()}
	}
	lang, lscore := m.lang.detect(text, words, h)
	res := bot.Match{Lang: lang, LangScore: lscore}

	folded := m.fold.fold(words)
	sc := m.getScratch()
	defer m.pool.Put(sc)
	s := sc.s
	m.scores(m.vector(folded, lang, sc), -1, sc.sims, s)
	best := m.bestInScope(s)
	if len(folded) >= longMsg && (best < 0 || s[best] < m.minSim || (m.none >= 0 && s[m.none] >= s[best])) {
		m.windows(folded, lang, sc, s)
		best = m.bestInScope(s)
	}

	// Greeting or thanks wrapped around a real question: score the message
	// again without the social words and let the question win if it is
	// plausible on its own and keeps most of the message's similarity (a
	// plain "super, ça marche, merci" keeps little once "super" and "merci"
	// are gone).
	if best >= 0 && m.social[best] && argmax(s, nil) == best {
		if rest := m.withoutSocial(folded); len(rest) > 0 {
			s2 := sc.s2
			m.scores(m.vector(rest, lang, sc), -1, sc.sims, s2)
			b2 := m.bestInScope(s2)
			if b2 >= 0 && !m.social[b2] && s2[b2] >= m.minSim && s2[b2] >= socialKeep*s[best] && argmax(s2, nil) == b2 {
				for c := range s2 {
					if m.social[c] {
						s2[c] = s[c] * 0.5 // keep them ranked, below the question
					}
				}
				s, best = s2, b2
			}
		}
	}

	p := sc.p
	softmax(s, m.temp, p)
	res.Ranked = m.rank(p)
	res.Verdict = m.verdict(s, p, best)
	if res.Verdict != bot.VerdictNone && !m.social[best] && !m.hasContent(folded) {
		// "no", "I can't", "pero": only greetings and thanks can be said
		// with function words alone; anything else is a guess.
		res.Verdict = bot.VerdictNone
	}
	if res.Verdict == bot.VerdictNone {
		res.None = m.noneIntent()
		res.OutOfScope = m.none >= 0 && argmax(p, nil) == m.none
	}
	return res
}

// A long message (a story told around the question) that as a whole is
// too far from every phrase, or closest to the out-of-scope ones, is read
// again in overlapping windows of winSize
// words: the words around the question dilute its similarity.
const (
	longMsg    = 20
	winSize    = 16
	winStride  = 4
	maxWindows = 12 // bounds the work on very long messages
)

// windows raises each class's score in s to its best window's score,
// except greeting and thanks.
func (m *Matcher) windows(folded []string, lang bot.Lang, sc *scratch, s []float64) {
	stride := max(winStride, (len(folded)-winSize+maxWindows-1)/maxWindows)
	w := sc.s2
	for start := 0; start < len(folded); start += stride {
		end := min(start+winSize, len(folded))
		m.scores(m.vector(folded[start:end], lang, sc), -1, sc.sims, w)
		for c := range s {
			if !m.social[c] { // a greeting in one window does not make the message one
				s[c] = max(s[c], w[c])
			}
		}
		if end == len(folded) {
			break
		}
	}
}

// hasContent reports whether some word is not a function word.
func (m *Matcher) hasContent(words []string) bool {
	for _, w := range words {
		if !m.funcWords[w] && !isNumber(w) {
			return true
		}
	}
	return false
}

// verdict: none when out of scope or too far from every phrase; clarify when
// the two best intents are both plausible; answer otherwise.
func (m *Matcher) verdict(s, p []float64, best int) bot.Verdict {
	if best < 0 || s[best] < m.minSim {
		return bot.VerdictNone
	}
	if m.none >= 0 && p[m.none] > p[best] {
		return bot.VerdictNone
	}
	second := -1
	for c := range p {
		if c != best && c != m.none && (second < 0 || p[c] > p[second]) {
			second = c
		}
	}
	if second >= 0 && p[second] >= m.clarify*p[best] {
		return bot.VerdictClarify
	}
	return bot.VerdictAnswer
}

func (m *Matcher) bestInScope(s []float64) int {
	return argmax(s, func(c int) bool { return c == m.none })
}

// vector extracts and weighs the features of folded words.
func (m *Matcher) vector(words []string, l bot.Lang, sc *scratch) []entry {
	sc.ids, sc.cnt = sc.ids[:0], sc.cnt[:0]
	oov := 0.0
	add := func(id int32) {
		if sc.pos[id] == 0 {
			sc.ids = append(sc.ids, id)
			sc.cnt = append(sc.cnt, 0)
			sc.pos[id] = int32(len(sc.ids))
		}
		sc.cnt[sc.pos[id]-1]++
	}
	addHash := func(kind byte, h uint64) {
		if id, ok := m.vocab[h]; ok {
			add(id)
		} else if kind == kindWord {
			oov++
		}
	}
	// Same features as options.features, with what is known of training
	// words taken from m.known (see TestVectorMatchesFeatures).
	li := m.lang.index(l)
	hw, hb := hashKind(kindWord), hashKind(kindBigram)
	prev := ""
	for _, w := range words {
		wi, known := m.known[w]
		fixed := false
		if !known && m.opt.spell {
			if c := m.correct(w); c != "" {
				// a likely typo: the word counts as the known one, its
				// n-grams stay its own (they already overlap)
				wi, fixed = m.known[c], true
			}
		}
		s := w
		switch {
		case (known || fixed) && li >= 0:
			s = wi.stem[li]
			if id := wi.word[li]; id >= 0 {
				add(id)
			} else {
				oov++
			}
		default:
			if m.opt.stem {
				s = stem(w, l)
			}
			addHash(kindWord, hashBytes(hw, s))
		}
		if prev != "" && m.opt.bigramW > 0 {
			addHash(kindBigram, hashBytes(hashBytes(hashBytes(hb, prev), " "), s))
		}
		prev = s
		if known {
			for _, id := range wi.grams {
				add(id)
			}
			continue
		}
		m.opt.grams(w, addHash)
	}
	v := sc.vec[:0]
	for i, id := range sc.ids {
		sc.pos[id] = 0
		v = append(v, entry{id: id, w: (1 + math.Log(sc.cnt[i])) * m.idf[id]})
	}
	sc.vec = v
	w := m.opt.oovW * m.maxIDF * m.opt.wordW
	return normalized(v, oov*w*w)
}

func (m *Matcher) getScratch() *scratch {
	if sc, ok := m.pool.Get().(*scratch); ok {
		return sc
	}
	nc := len(m.classes)
	return &scratch{
		pos:  make([]int32, len(m.idf)),
		sims: make([]float32, len(m.exCls)),
		s:    make([]float64, nc),
		s2:   make([]float64, nc),
		p:    make([]float64, nc),
	}
}

// withoutSocial returns the words left once greeting and thanks words are
// removed, or nil when only function words would be left.
func (m *Matcher) withoutSocial(words []string) []string {
	var rest []string
	content := false
	for _, w := range words {
		if m.socialWords[w] {
			continue
		}
		rest = append(rest, w)
		if !m.funcWords[w] {
			content = true
		}
	}
	if !content {
		return nil
	}
	return rest
}

// fallbackLang is the language of a message with no words: the hints',
// else the knowledge base's first.
func (m *Matcher) fallbackLang(h bot.MatchHints) bot.Lang {
	if m.lang.index(h.Lang) >= 0 {
		return h.Lang
	}
	if l := localeLang(h.Locale); m.lang.index(l) >= 0 {
		return l
	}
	return m.langs[0]
}

// noneIntent is the knowledge base's out-of-scope intent ("" without one).
func (m *Matcher) noneIntent() bot.Intent {
	if m.none < 0 {
		return bot.NoIntent
	}
	return m.classes[m.none]
}
