package telegram

import (
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	one := func(rune) int { return 1 }
	tests := []struct {
		name string
		text string
		max  int
		unit func(rune) int
		want []string
	}{
		{"fits", "hola mundo", 20, one, []string{"hola mundo"}},
		{"paragraphs first", "uno dos\n\ntres cuatro", 12, one, []string{"uno dos", "tres cuatro"}},
		{"then lines", "uno dos\ntres cuatro", 12, one, []string{"uno dos", "tres cuatro"}},
		{"then words", "uno dos tres cuatro", 9, one, []string{"uno dos", "tres", "cuatro"}},
		{"long word cut", "abcdefghij", 4, one, []string{"abcd", "efgh", "ij"}},
		{"emoji is two UTF-16 units", "😀😀😀", 4, utf16Units, []string{"😀😀", "😀"}},
		{"accents are one unit", "éé éé", 2, utf16Units, []string{"éé", "éé"}},
		{"invalid utf-8 advances", "\xff\xfe\xfd", 1, one, []string{"\xff", "\xfe", "\xfd"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := split(tc.text, tc.max, tc.unit)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("split = %q, want %q", got, tc.want)
			}
			for _, p := range got {
				if measure(p, tc.unit) > tc.max {
					t.Errorf("part %q longer than %d", p, tc.max)
				}
			}
		})
	}
}

func BenchmarkSplit(b *testing.B) {
	text := strings.Repeat(strings.Repeat("Abre la app y toca «Olvidé mi contraseña». ", 30)+"\n\n", 10)
	b.ReportAllocs()
	for b.Loop() {
		split(text, MaxTextLen, utf16Units)
	}
}
