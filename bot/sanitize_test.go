package bot

import "testing"

func TestCleanField(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ana Pérez", "Ana Pérez"},
		{"\x00", ""},
		{"Ana\x00", "Ana"},
		{"Ana\xff\xfe", "Ana\uFFFD"},
		{"\xffA\x00B", "\uFFFDAB"},
		{"  spaced  ", "  spaced  "}, // ids are not trimmed
	}
	for _, tt := range tests {
		if got := CleanField(tt.in); got != tt.want {
			t.Errorf("CleanField(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanMessageEveryField(t *testing.T) {
	dirty := "x\x00\xff"
	m := cleanMessage(Message{Channel: dirty, ChatID: dirty, ContactID: dirty, DisplayName: " " + dirty + " ",
		Text: dirty, Payload: dirty, Locale: dirty, Audience: Audience(dirty), PlatformID: dirty})
	want := "x\uFFFD"
	for name, got := range map[string]string{"Channel": m.Channel, "ChatID": m.ChatID, "ContactID": m.ContactID,
		"DisplayName": m.DisplayName, "Text": m.Text, "Payload": m.Payload, "Locale": m.Locale,
		"Audience": string(m.Audience), "PlatformID": m.PlatformID} {
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
