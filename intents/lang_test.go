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
		{"no puedo entrar a mi cuenta", bot.MatchHints{}, bot.Lang("es")},
		{"olvide mi contrasena", bot.MatchHints{}, bot.Lang("es")},
		{"buenas", bot.MatchHints{}, bot.Lang("es")},
		{"je n'arrive pas à me connecter", bot.MatchHints{}, bot.Lang("fr")},
		{"mot de passe oublie", bot.MatchHints{}, bot.Lang("fr")},
		{"coucou", bot.MatchHints{}, bot.Lang("fr")},
		{"I can't sign in", bot.MatchHints{}, bot.Lang("en")},
		{"wrong password", bot.MatchHints{}, bot.Lang("en")},
		{"thanks a lot", bot.MatchHints{}, bot.Lang("en")},
		{"ça marche pas", bot.MatchHints{}, bot.Lang("fr")},
		{"¿y ahora?", bot.MatchHints{}, bot.Lang("es")},
		// ambiguous text follows the contact's language, then the locale
		{"ok", bot.MatchHints{Lang: bot.Lang("fr")}, bot.Lang("fr")},
		{"ok", bot.MatchHints{Lang: bot.Lang("en")}, bot.Lang("en")},
		{"no", bot.MatchHints{Lang: bot.Lang("en")}, bot.Lang("en")},
		{"1", bot.MatchHints{Lang: bot.Lang("fr")}, bot.Lang("fr")},
		{"ok", bot.MatchHints{Locale: "fr-CA"}, bot.Lang("fr")},
		{"app", bot.MatchHints{Locale: "en_US"}, bot.Lang("en")},
		{"1", bot.MatchHints{}, bot.Lang("es")},
		// a sentence outweighs the hint
		{"no me llega el codigo", bot.MatchHints{Lang: bot.Lang("en")}, bot.Lang("es")},
		{"my code never arrives", bot.MatchHints{Lang: bot.Lang("es"), Locale: "es-MX"}, bot.Lang("en")},
		{"je ne reçois pas le code", bot.MatchHints{Lang: bot.Lang("en")}, bot.Lang("fr")},
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
