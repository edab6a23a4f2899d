package intents

import (
	"math"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/bot"
)

func TestMatchBadInput(t *testing.T) {
	m := realMatcher(t)
	tests := []struct {
		name      string
		text      string
		wantEmpty bool
	}{
		{"empty", "", true},
		{"whitespace", " \t\n\r  ", true},
		{"emoji only", "🙏😭🔥", true},
		{"punctuation only", "?!...¿¡ -- ''", true},
		{"invalid utf-8", "\xff\xfe\xfd", true},
		{"invalid utf-8 around words", "\xffno me llega el codigo\xfe", false},
		{"zero width and controls", "\u200b\u0000\u202e", true},
		{"100 KB", strings.Repeat("mi cliente no puede entrar ", 4000), false},
		{"100 KB no spaces", strings.Repeat("a", 100_000), false},
		{"100 KB cut inside a rune", strings.Repeat("é", 50_000), false},
		{"other scripts", "пароль не работает 密码", false},
		{"digits", "123456", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Match(tt.text, bot.MatchHints{Lang: bot.Lang("fr")})
			checkMatch(t, got)
			if got.Empty != tt.wantEmpty {
				t.Errorf("Empty = %v, want %v", got.Empty, tt.wantEmpty)
			}
			if tt.wantEmpty {
				if got.Verdict != bot.VerdictNone || got.Lang != bot.Lang("fr") {
					t.Errorf("empty text: verdict %s lang %s, want none and the hinted fr", got.Verdict, got.Lang)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Contraseña", "contrasena"},
		{"J'AI OUBLIÉ", "j ai oublie"},
		{"e-mail", "e mail"},
		{"holaaaa!!!", "hola"},
		{"paswword", "pasword"},
		{"cœur", "coeur"},
		{"2fa 100", "2fa 100"},
		{"¿qué?", "que"},
		{"code👍ok", "code ok"},
	}
	for _, tt := range tests {
		if got := strings.Join(normalize(tt.in), " "); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	cfg := realConfig(t)
	f := newFolder(cfg.Synonyms, cfg.Shorthand)
	tests := []struct{ in, want string }{
		{"mon mot de passe", "mon pasword"},
		{"mi correo electronico", "mi email"},
		{"no llega el codigo", "no lega el code"},
		{"thx", "thanks"},
		{"i cant log in", "i can t login"},
	}
	for _, tt := range tests {
		if got := strings.Join(f.fold(f.words(tt.in)), " "); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The query path (n-grams of known words from a cache) must produce the
// same vector as the generic feature extraction used at build time.
func TestVectorMatchesFeatures(t *testing.T) {
	opt := defaultOptions()
	opt.spell = false // the generic path has no spelling correction
	m, err := build(realConfig(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"no me llega el código", "zzqx unknown wordz", "my client can't log in", "bonjour bonjour"} {
		for _, l := range []bot.Lang{"es", "fr", "en"} {
			words := m.fold.fold(m.fold.words(text))
			got := map[int32]float64{}
			for _, e := range m.vector(words, l, m.getScratch()) {
				got[e.id] = e.w
			}
			counts := map[int32]float64{}
			oov := 0.0
			m.opt.features(words, m.stemmer(l, false), func(kind byte, h uint64) {
				if id, ok := m.vocab[h]; ok {
					counts[id]++
				} else if kind == kindWord {
					oov++
				}
			})
			var want []entry
			for id, c := range counts {
				want = append(want, entry{id: id, w: (1 + math.Log(c)) * m.idf[id]})
			}
			w := m.opt.oovW * m.maxIDF * m.opt.wordW
			want = normalized(want, oov*w*w)
			if len(want) != len(got) {
				t.Fatalf("%q/%s: %d features, want %d", text, l, len(got), len(want))
			}
			for _, e := range want {
				if math.Abs(got[e.id]-e.w) > 1e-9 {
					t.Errorf("%q/%s: feature %d = %v, want %v", text, l, e.id, got[e.id], e.w)
				}
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		ex   []bot.Example
	}{
		{"no examples", nil},
		{"no intent", []bot.Example{{Text: "hi", Lang: "en"}}},
		{"language not listed", []bot.Example{{Text: "hi", Intent: "hello", Kind: bot.GreetingIntent, Lang: "de"}}},
		{"only out of scope", []bot.Example{{Text: "weather", Intent: "other", Kind: bot.OutOfScopeIntent, Lang: "en"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(Config{Examples: tt.ex, Langs: []bot.Lang{"en"}}); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

// A tiny index still works: one phrase per class, no none examples.
func TestNewTiny(t *testing.T) {
	m, err := New(Config{Examples: []bot.Example{
		{Text: "hello there", Intent: "hello", Kind: bot.GreetingIntent, Lang: "en"},
		{Text: "I forgot my password", Intent: "forgot_password", Kind: bot.AnswerIntent, Lang: "en"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Match("forgot password", bot.MatchHints{})
	checkMatch(t, got)
	if got.Top() != bot.Intent("forgot_password") {
		t.Errorf("Top = %s, want forgot_password", got.Top())
	}
}

func TestCorrect(t *testing.T) {
	m := realMatcher(t)
	for _, w := range []string{"pasword", "cuenta", "verification"} {
		if _, ok := m.known[w]; !ok {
			t.Fatalf("%q is not a training word; pick another", w)
		}
	}
	tests := []struct{ in, want string }{
		{"pasowrd", "pasword"},  // swap
		{"pasord", "pasword"},   // deletion
		{"paswordd", "pasword"}, // insertion (no collapse here)
		{"cuenra", "cuenta"},    // substitution
		{"verificaton", "verification"},
		{"pas", ""},      // too short to correct
		{"zzzzqqqq", ""}, // nothing near
		{"pasword", ""},  // known words are not corrected
	}
	for _, tt := range tests {
		got := m.correct(tt.in)
		if got != tt.want {
			t.Errorf("correct(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
