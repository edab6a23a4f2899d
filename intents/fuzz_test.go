package intents

import (
	"testing"

	"github.com/hexfit/supportbot/bot"
)

func FuzzMatch(f *testing.F) {
	for _, s := range []string{"", "hola", "J'ai oublié mon mot de passe", "\xff\xfe", "🙏", "thx!!", "ok"} {
		f.Add(s, "")
	}
	m := realMatcher(f)
	f.Fuzz(func(t *testing.T, text, hint string) {
		normalize(text)
		got := m.match(text, bot.MatchHints{Lang: bot.Lang(hint), Locale: hint})
		checkMatch(t, got)
		if got.Empty && got.Verdict != bot.VerdictNone {
			t.Errorf("empty match with verdict %s", got.Verdict)
		}
	})
}
