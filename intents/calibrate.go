package intents

import (
	"math"
	"sort"
)

// clarifyRatio: when the second intent is at least this likely relative to
// the first, both are plausible and the bot asks which one was meant.
const clarifyRatio = 0.6

// maxCalibrate bounds the phrases scored leave-one-out at build time.
const maxCalibrate = 1200

// calibrate fits the softmax temperature and the none threshold on
// leave-one-out scores: each training phrase is scored by the index without
// itself, which is how an unseen message of the same kind would score.
//
// The temperature minimizes the negative log-likelihood of the true class
// (golden-section search on log T), so a confidence of 0.8 means about 80 %
// right on phrases like the training ones. The none threshold is the best
// in-scope score below which fewer phrases would be answered wrongly than
// would be refused wrongly.
//
// Past maxCalibrate phrases an evenly spread sample is scored: the fit
// does not need more, and the build stays fast.
func (m *Matcher) calibrate(vecs [][]entry, samples []sample) {
	nc := len(m.classes)
	// Phrases are what messages look like; article sentences only when an
	// index has no phrase at all.
	var pick []int
	for i, s := range samples {
		if !s.doc {
			pick = append(pick, i)
		}
	}
	m.phrases = len(pick)
	if len(pick) == 0 {
		for i := range samples {
			pick = append(pick, i)
		}
	}
	n := min(len(pick), maxCalibrate)
	all := make([][]float64, n)
	want := make([]int, n)
	sims := make([]float32, len(vecs))
	correct := 0
	for j := range n {
		i := pick[j*len(pick)/n]
		s := make([]float64, nc)
		m.scores(vecs[i], i, sims, s)
		all[j], want[j] = s, int(m.exCls[i])
		if argmax(s, nil) == want[j] {
			correct++
		}
	}
	m.looAcc = float64(correct) / float64(n)

	p := make([]float64, nc)
	nll := func(logT float64) float64 {
		t := math.Exp(logT)
		var sum float64
		for i, s := range all {
			softmax(s, t, p)
			sum -= math.Log(math.Max(p[want[i]], 1e-12))
		}
		return sum
	}
	// The NLL is unimodal in log T: golden-section search on [0.002, 2].
	lo, hi := math.Log(0.002), math.Log(2.0)
	const g = 0.6180339887498949
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	fa, fb := nll(a), nll(b)
	for range 16 { // the bracket shrinks to 0.05 % of its width
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - g*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + g*(hi-lo)
			fb = nll(b)
		}
	}
	bestT := math.Exp((lo + hi) / 2)
	m.temp = bestT

	// None threshold: candidates are the observed best in-scope scores.
	var os []obs
	for i, s := range all {
		b := m.bestInScope(s)
		if b < 0 {
			continue
		}
		top := argmax(s, nil)
		os = append(os, obs{score: s[b], inOK: want[i] != m.none && top == want[i], isOut: want[i] == m.none && top != m.none})
	}
	sort.Slice(os, func(i, j int) bool { return os[i].score < os[j].score })
	// Threshold at os[k].score: everything below is refused. Cost: refused
	// right answers + answered none phrases. Keep it conservative: a wrong
	// refusal is cheaper than a confident wrong answer, but both count.
	outAbove := 0
	for _, o := range os {
		if o.isOut {
			outAbove++
		}
	}
	bestCost, thr := outAbove, 0.0
	inBelow := 0
	for _, o := range os {
		if o.inOK {
			inBelow++
		}
		if o.isOut {
			outAbove--
		}
		if cost := inBelow + outAbove; cost < bestCost {
			bestCost, thr = cost, o.score+1e-9
		}
	}
	m.minSim = math.Max(thr, noneFloor(os))
	m.clarify = clarifyRatio
}

// obs is one leave-one-out phrase's best in-scope score and outcome.
type obs struct {
	score float64
	inOK  bool // in scope and answered right
	isOut bool // a none phrase the none class does not catch
}

// floorQuantile is the share of right in-scope answers the none floor may
// refuse.
const floorQuantile = 0.01

// noneFloor is the score under which almost no right answer falls: a
// message that far from every phrase (gibberish, "qwerty") is not
// understood even when the out-of-scope examples are no closer. The cost
// fit alone can put the threshold at zero once the out-of-scope examples
// catch their own kind.
func noneFloor(os []obs) float64 {
	var ok []float64
	for _, o := range os {
		if o.inOK {
			ok = append(ok, o.score)
		}
	}
	if len(ok) == 0 {
		return 0
	}
	sort.Float64s(ok)
	return ok[int(floorQuantile*float64(len(ok)))]
}
