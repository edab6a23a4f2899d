package intents

// Spelling correction of words no training phrase uses: a word one edit
// (insertion, deletion, substitution or swap of neighbours) away from a
// known word is read as that word. Candidates come from an index of every
// known word with one letter deleted, so a lookup costs a few map reads
// (the symmetric-delete method). Short words are left alone: at three
// letters one edit reaches too many words.
const minCorrectLen = 4

// buildSpell indexes the one-letter deletions of the known words.
func (m *Matcher) buildSpell() {
	m.deletes = make(map[string][]string, len(m.known)*6)
	for w := range m.known {
		if len(w) < minCorrectLen || isNumber(w) {
			continue
		}
		for i := 0; i < len(w); i++ {
			d := w[:i] + w[i+1:]
			m.deletes[d] = append(m.deletes[d], w)
		}
	}
}

// correct returns the most used known word one edit away from an unknown
// word w, or "".
func (m *Matcher) correct(w string) string {
	if len(w) < minCorrectLen || len(w) > maxWordGram || isNumber(w) {
		return ""
	}
	if _, ok := m.known[w]; ok {
		return ""
	}
	best, bestN := "", 0
	consider := func(c string) {
		wi, ok := m.known[c]
		if !ok || c == w {
			return
		}
		if wi.uses > bestN || wi.uses == bestN && c < best {
			best, bestN = c, wi.uses
		}
	}
	for _, c := range m.deletes[w] { // w lacks a letter
		consider(c)
	}
	var buf [maxWordGram]byte
	for i := 0; i < len(w); i++ {
		d := append(append(buf[:0], w[:i]...), w[i+1:]...)
		consider(string(d)) // w has an extra letter
		for _, c := range m.deletes[string(d)] {
			if oneEdit(w, c) { // substitution or swap
				consider(c)
			}
		}
	}
	return best
}

// oneEdit reports whether a and b, of equal length, differ by one
// substitution or one swap of neighbouring letters.
func oneEdit(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	first := -1
	diffs := 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			if first < 0 {
				first = i
			}
			diffs++
		}
	}
	switch diffs {
	case 1:
		return true
	case 2:
		return first+1 < len(a) && a[first] == b[first+1] && a[first+1] == b[first]
	}
	return false
}
