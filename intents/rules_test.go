package intents

import (
	"testing"

	"github.com/hexfit/supportbot/bot"
)

// The label rules where the intent definitions were ambiguous.
func TestLabelRules(t *testing.T) {
	m := realMatcher(t)
	tests := []struct {
		text string
		want bot.Intent
	}{
		{"/start", "greeting"},
		{"/start promo_2024", "greeting"},
		{"/start@HexfitBot", "greeting"},
		{"do I log in with my username or my email?", "linked_email"},
		{"¿entro con mi usuario o con mi correo?", "linked_email"},
		{"It says Invalid user/password", "invalid_credentials"},
		{"Thanks, found it in spam", "thanks"},
		{"merci, je l'ai trouvé dans les spams", "thanks"},
		{"gracias, estaba en spam", "thanks"},
		{"qwerty zxcv", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := Predicted(m.Match(tt.text, bot.MatchHints{})); got != tt.want {
				t.Errorf("%q: got %s, want %s", tt.text, got, tt.want)
			}
		})
	}
}
