package twilio

import (
	"strings"
	"testing"
)

func TestToGSM(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ascii", "Reply 1 for yes, 2 for no", "Reply 1 for yes, 2 for no"},
		{"gsm accents kept", "é è ù ì ò à Ç Ñ ñ Ü ü Ä ä Ö ö Å å Ø ø Æ æ ß É ¿ ¡", "é è ù ì ò à Ç Ñ ñ Ü ü Ä ä Ö ö Å å Ø ø Æ æ ß É ¿ ¡"},
		{"spanish accents stripped", "¿Olvidó su contraseña? Pulse aquí, número", "¿Olvido su contraseña? Pulse aqui, numero"},
		{"french accents", "Ça a été reçu, à bientôt : mot de passe oublié ? Où ê î ô û ë ï", "Ça a été recu, à bientot : mot de passe oublié ? Où e i o u e i"},
		{"ç lowercase not in gsm, Ç is", "ç Ç", "c Ç"},
		{"quotes and guillemets", "“Hexfit” ‘app’ « Mot » «\u00a0Code\u202f»", `"Hexfit" 'app' "Mot" "Code"`},
		{"dashes ellipsis", "a – b — c…", "a - b - c..."},
		{"special spaces", "a\u00a0b\u202f?c\u200bd", "a b ?cd"},
		{"ligature", "cœur", "coeur"},
		{"extension chars kept", "{[~]} € | ^ \\", "{[~]} € | ^ \\"},
		{"emoji keeps original", "¿Olvidó? 💪", "¿Olvidó? 💪"},
		{"non-latin keeps original", "пароль “x”", "пароль “x”"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToGSM(tt.in); got != tt.want {
				t.Errorf("ToGSM(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantEnc string
		wantN   int
	}{
		{"empty", "", EncodingGSM7, 0},
		{"short", "hola", EncodingGSM7, 1},
		{"160 gsm", strings.Repeat("a", 160), EncodingGSM7, 1},
		{"161 gsm", strings.Repeat("a", 161), EncodingGSM7, 2},
		{"306 gsm", strings.Repeat("a", 306), EncodingGSM7, 2},
		{"307 gsm", strings.Repeat("a", 307), EncodingGSM7, 3},
		{"gsm accents one septet", strings.Repeat("é", 160), EncodingGSM7, 1},
		{"80 euro is 160 septets", strings.Repeat("€", 80), EncodingGSM7, 1},
		{"81 euro: 76 per part, escapes not split", strings.Repeat("€", 81), EncodingGSM7, 2},
		{"escape pair not split at boundary", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), EncodingGSM7, 2},
		{"escape pushes over", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152) + "€", EncodingGSM7, 3},
		{"70 ucs2", strings.Repeat("á", 70), EncodingUCS2, 1},
		{"71 ucs2", strings.Repeat("á", 71), EncodingUCS2, 2},
		{"134 ucs2", strings.Repeat("á", 134), EncodingUCS2, 2},
		{"135 ucs2", strings.Repeat("á", 135), EncodingUCS2, 3},
		{"one char forces ucs2", strings.Repeat("a", 100) + "ó", EncodingUCS2, 2},
		{"35 emoji fill 70 units", strings.Repeat("💪", 35), EncodingUCS2, 1},
		{"36 emoji: 33 per part, pairs not split", strings.Repeat("💪", 36), EncodingUCS2, 2},
		{"67 emoji", strings.Repeat("💪", 67), EncodingUCS2, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, n := Segments(tt.in)
			if enc != tt.wantEnc || n != tt.wantN {
				t.Errorf("Segments = %s, %d; want %s, %d", enc, n, tt.wantEnc, tt.wantN)
			}
		})
	}
}

// ToGSM matters for cost: an accented Spanish answer drops from UCS-2 to
// GSM-7, i.e. from 67 to 153 characters per segment.
func TestToGSMSavesSegments(t *testing.T) {
	in := "Para restablecer su contraseña, pulse «¿Olvidó su contraseña?» en la pantalla de inicio de sesión y siga las instrucciones que recibirá por correo electrónico."
	encBefore, before := Segments(in)
	encAfter, after := Segments(ToGSM(in))
	if encBefore != EncodingUCS2 || encAfter != EncodingGSM7 || after >= before {
		t.Errorf("before %s/%d after %s/%d: want UCS-2 → GSM-7 with fewer segments", encBefore, before, encAfter, after)
	}
}

func BenchmarkToGSMSegments(b *testing.B) {
	in := strings.Repeat("¿Olvidó su contraseña? Pulse «Restablecer» y revise su correo… ", 5)
	b.ReportAllocs()
	for b.Loop() {
		Segments(ToGSM(in))
	}
}
