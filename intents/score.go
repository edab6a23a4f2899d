package intents

import (
	"math"
	"sort"

	"github.com/hexfit/supportbot/bot"
)

// normalized scales v to unit length. oovNorm is the squared weight of
// unknown words: they carry no evidence but count in the norm, so that a
// message mostly made of words no phrase uses looks less like any phrase.
func normalized(v []entry, oovNorm float64) []entry {
	norm := oovNorm
	for _, e := range v {
		norm += e.w * e.w
	}
	if norm == 0 || len(v) == 0 {
		return v[:0]
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i].w /= norm
	}
	return v
}

// stemmer returns the stem function for a language. With learn (build time
// only) it records the stems of the training words, so a Match rarely runs
// the stemmer.
func (m *Matcher) stemmer(l bot.Lang, learn bool) func(string) string {
	return func(w string) string {
		k := stemKey{l, w}
		if s, ok := m.stems[k]; ok {
			return s
		}
		s := stem(w, l)
		if learn {
			m.stems[k] = s
		}
		return s
	}
}

// scores computes each class's score for vector q: the mean cosine of the
// k nearest examples of the class blended with the cosine to the class
// centroid. With exclude ≥ 0, q is that example's own vector and the
// example is left out (leave-one-out).
func (m *Matcher) scores(q []entry, exclude int, sims []float32, out []float64) {
	nc := len(m.classes)
	for i := range sims {
		sims[i] = 0
	}
	var cent [32]float64
	var cs []float64
	if nc > len(cent) { // a large knowledge base: slicing the array would panic
		cs = make([]float64, nc)
	} else {
		cs = cent[:nc]
	}
	for _, e := range q {
		w := float32(e.w)
		lo, hi := m.postAt[e.id], m.postAt[e.id+1]
		ex, pw := m.postEx[lo:hi], m.postW[lo:hi]
		for j, x := range ex {
			sims[x] += w * pw[j]
		}
		for j := m.sumAt[e.id]; j < m.sumAt[e.id+1]; j++ {
			cs[m.sumC[j]] += e.w * float64(m.sumW[j])
		}
	}
	for c := 0; c < nc; c++ {
		norm, dot := m.cnorm[c], cs[c]
		if exclude >= 0 && int(m.exCls[exclude]) == c {
			// remove the sample itself (w·q, so q·x = w) from its class sum
			w := m.exW[exclude]
			n2 := norm*norm - 2*w*dot + w*w
			dot -= w
			norm = math.Sqrt(math.Max(n2, 0))
		}
		if norm > 1e-9 {
			cs[c] = dot / norm
		} else {
			cs[c] = 0
		}
	}
	if exclude >= 0 {
		sims[exclude] = -1
	}
	// top-k nearest examples per class
	k := m.opt.k
	var topBuf [32 * 8]float64
	var top []float64
	if nc*k > len(topBuf) {
		top = make([]float64, nc*k)
	} else {
		top = topBuf[:nc*k]
	}
	for i := range top {
		top[i] = -1
	}
	for i, s32 := range sims {
		s := float64(s32)
		if s <= 0 {
			continue
		}
		t := top[int(m.exCls[i])*k : int(m.exCls[i])*k+k]
		if s <= t[k-1] {
			continue
		}
		j := k - 1
		for j > 0 && t[j-1] < s {
			t[j] = t[j-1]
			j--
		}
		t[j] = s
	}
	for c := 0; c < nc; c++ {
		var sum float64
		cnt := min(k, m.clsN[c])
		if exclude >= 0 && int(m.exCls[exclude]) == c {
			cnt = min(k, m.clsN[c]-1)
		}
		for _, s := range top[c*k : c*k+k] {
			if s > 0 {
				sum += s
			}
		}
		knn := 0.0
		if cnt > 0 {
			knn = sum / float64(cnt)
		}
		out[c] = m.opt.alpha*knn + (1-m.opt.alpha)*cs[c]
	}
}

// softmax fills p with exp(s/T) normalized.
func softmax(s []float64, t float64, p []float64) {
	mx := math.Inf(-1)
	for _, x := range s {
		mx = math.Max(mx, x)
	}
	var z float64
	for i, x := range s {
		p[i] = math.Exp((x - mx) / t)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
}

// argmax returns the best index of s, skipping skip[i] when skip is set.
func argmax(s []float64, skip func(int) bool) int {
	best := -1
	for i, x := range s {
		if skip != nil && skip(i) {
			continue
		}
		if best < 0 || x > s[best] {
			best = i
		}
	}
	return best
}

// rank sorts the in-scope classes by probability.
func (m *Matcher) rank(p []float64) []bot.Scored {
	out := make([]bot.Scored, 0, len(p))
	for c, x := range p {
		if c == m.none {
			continue
		}
		out = append(out, bot.Scored{Intent: m.classes[c], Confidence: clamp01(x)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	return out
}

func clamp01(x float64) float64 {
	if !(x >= 0) { // also NaN
		return 0
	}
	return math.Min(x, 1)
}
