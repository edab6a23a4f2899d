package bot

import (
	"strings"
	"unicode/utf8"
)

// CleanField makes a string from a platform safe to store: valid UTF-8
// (invalid bytes become U+FFFD) and no NUL, which PostgreSQL refuses in
// text columns. Adapters that store a platform value before Handle (an
// SMS sender's opt-out) clean it with this too.
func CleanField(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	return s
}

// cleanMessage cleans every string of m that the engine may store; the
// display name is trimmed too. The text is cleaned again (and trimmed)
// by the dialogue.
func cleanMessage(m Message) Message {
	m.Channel = CleanField(m.Channel)
	m.ChatID = CleanField(m.ChatID)
	m.ContactID = CleanField(m.ContactID)
	m.DisplayName = strings.TrimSpace(CleanField(m.DisplayName))
	m.Text = CleanField(m.Text)
	m.Payload = CleanField(m.Payload)
	m.Locale = CleanField(m.Locale)
	m.Audience = Audience(CleanField(string(m.Audience)))
	m.PlatformID = CleanField(m.PlatformID)
	return m
}
