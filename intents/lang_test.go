package intents

import (
	"testing"

	"github.com/hexfit/supportbot/bot"
)

func TestDetectLanguage(t *testing.T) {
	m := realMatcher(t)
	tests := []struct {
		text string
		h    bot.MatchHints
		want bot.Lang
	}{
		{"no puedo entrar a mi cuenta", bot.MatchHints{}, bot.LangES},
		{"olvide mi contrasena", bot.MatchHints{}, bot.LangES},
		{"buenas", bot.MatchHints{}, bot.LangES},
		{"je n'arrive pas à me connecter", bot.MatchHints{}, bot.LangFR},
		{"mot de passe oublie", bot.MatchHints{}, bot.LangFR},
		{"coucou", bot.MatchHints{}, bot.LangFR},
		{"I can't sign in", bot.MatchHints{}, bot.LangEN},
		{"wrong password", bot.MatchHints{}, bot.LangEN},
		{"thanks a lot", bot.MatchHints{}, bot.LangEN},
		{"ça marche pas", bot.MatchHints{}, bot.LangFR},
		{"¿y ahora?", bot.MatchHints{}, bot.LangES},
		// ambiguous text follows the contact's language, then the locale
		{"ok", bot.MatchHints{Lang: bot.LangFR}, bot.LangFR},
		{"ok", bot.MatchHints{Lang: bot.LangEN}, bot.LangEN},
		{"no", bot.MatchHints{Lang: bot.LangEN}, bot.LangEN},
		{"1", bot.MatchHints{Lang: bot.LangFR}, bot.LangFR},
		{"ok", bot.MatchHints{Locale: "fr-CA"}, bot.LangFR},
		{"app", bot.MatchHints{Locale: "en_US"}, bot.LangEN},
		{"1", bot.MatchHints{}, bot.LangES},
		// a sentence outweighs the hint
		{"no me llega el codigo", bot.MatchHints{Lang: bot.LangEN}, bot.LangES},
		{"my code never arrives", bot.MatchHints{Lang: bot.LangES, Locale: "es-MX"}, bot.LangEN},
		{"je ne reçois pas le code", bot.MatchHints{Lang: bot.LangEN}, bot.LangFR},
	}
	for _, tt := range tests {
		t.Run(tt.text+"/"+string(tt.h.Lang)+tt.h.Locale, func(t *testing.T) {
			got := m.Match(tt.text, tt.h)
			if got.Lang != tt.want {
				t.Errorf("lang = %s (%.2f), want %s", got.Lang, got.LangScore, tt.want)
			}
			if got.LangScore <= 0 || got.LangScore > 1 {
				t.Errorf("lang score %v outside (0,1]", got.LangScore)
			}
		})
	}
}
