package twilio

import (
	"strings"
	"testing"

	"github.com/hexfit/supportbot/bot"
)

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 200) // 1000 characters
	tests := []struct {
		name      string
		in        string
		max       int
		wantParts int
	}{
		{"short", "hola", 1600, 1},
		{"empty", "  ", 1600, 0},
		{"exactly max", strings.Repeat("a", 1600), 1600, 1},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para, 1600, 3},
		{"one long word is hard-cut", strings.Repeat("a", 3500), 1600, 3},
		{"emoji counted as two units", strings.Repeat("💪", 1000), 1600, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := split(tt.in, tt.max)
			if len(parts) != tt.wantParts {
				t.Fatalf("got %d parts, want %d", len(parts), tt.wantParts)
			}
			for i, p := range parts {
				if n := textUnits(p); n > tt.max {
					t.Errorf("part %d has %d units > %d", i, n, tt.max)
				}
				if !strings.HasPrefix(strings.Join(parts[i:], ""), strings.TrimSpace(p)) {
					t.Errorf("part %d out of order", i)
				}
			}
			// Nothing but whitespace is lost.
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if got, want := squash(strings.Join(parts, "")), squash(tt.in); got != want {
				t.Errorf("content changed by split")
			}
		})
	}
}

func TestSplitPrefersParagraphs(t *testing.T) {
	a := strings.Repeat("a ", 500) // 1000
	b := strings.Repeat("b ", 400)
	parts := split(a+"\n\n"+b, 1600)
	if len(parts) != 2 || strings.Contains(parts[0], "b") || strings.Contains(parts[1], "a") {
		t.Errorf("split not on the paragraph boundary: %d parts", len(parts))
	}
}

func TestToWhatsApp(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"bold", "Pulse **Olvidé mi contraseña**.", "Pulse *Olvidé mi contraseña*."},
		{"already whatsapp", "*bold* _it_", "*bold* _it_"},
		{"italic and strike", "__it__ ~~old~~", "_it_ ~old~"},
		{"heading", "## Reset your password\n1. Open the app", "*Reset your password*\n1. Open the app"},
		{"bold heading", "# **Title**", "*Title*"},
		{"link", "See [the help center](https://help.example.com/a).", "See the help center: https://help.example.com/a."},
		{"numbered list untouched", "1. One\n2. Two", "1. One\n2. Two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := toWhatsApp(tt.in); got != tt.want {
				t.Errorf("toWhatsApp(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWithOptions(t *testing.T) {
	btns := []bot.Button{{Label: "Sí", Payload: "yes"}, {Label: "No", Payload: "no"}}
	tests := []struct {
		name string
		r    bot.Reply
		want string
	}{
		{"no buttons", bot.Reply{Text: "Hola"}, "Hola"},
		{"engine already numbered", bot.Reply{Text: "¿Le ayudó?\n1. Sí\n2. No", Buttons: btns}, "¿Le ayudó?\n1. Sí\n2. No"},
		{"appended", bot.Reply{Text: "¿Le ayudó?", Buttons: btns}, "¿Le ayudó?\n\n1. Sí\n2. No"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := withOptions(tt.r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLocale(t *testing.T) {
	tests := []struct{ country, from, want string }{
		{"MX", "+5215512345678", "es-MX"},
		{"FR", "+33612345678", "fr-FR"},
		{"GB", "+447700900123", "en-GB"},
		{"", "whatsapp:+34612345678", "es-ES"},
		{"", "whatsapp:+33612345678", "fr-FR"},
		{"", "whatsapp:+593991234567", "es-EC"},
		{"", "whatsapp:+14155550100", ""}, // +1 is shared by the US and Canada
		{"CA", "+15145550100", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := locale(tt.country, tt.from); got != tt.want {
			t.Errorf("locale(%q, %q) = %q, want %q", tt.country, tt.from, got, tt.want)
		}
	}
}
