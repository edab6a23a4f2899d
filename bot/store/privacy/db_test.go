package privacy

import "testing"

func TestNumbered(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b IN (?, ?)", "a = $1 AND b IN ($2, $3)"},
		{"x = 'é' AND y = ?", "x = 'é' AND y = $1"},
	}
	for _, tt := range tests {
		if got := Numbered(tt.in); got != tt.want {
			t.Errorf("Numbered(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFlagScan(t *testing.T) {
	tests := []struct {
		in   any
		want bool
		ok   bool
	}{
		{true, true, true}, {false, false, true}, {int64(1), true, true}, {int64(0), false, true}, {nil, false, true}, {"yes", false, false},
	}
	for _, tt := range tests {
		var f flag
		err := f.Scan(tt.in)
		if (err == nil) != tt.ok || bool(f) != tt.want {
			t.Errorf("Scan(%v) = %v, %v; want %v (ok %v)", tt.in, f, err, tt.want, tt.ok)
		}
	}
}
