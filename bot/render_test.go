package bot

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// uiText is a knowledge base of interface strings only, the same in
// every language, with the lists a yes/no or language request reads.
type uiText map[string]string

func (u uiText) Answer(Intent, Lang, Audience) (Answer, bool) { return Answer{}, false }
func (u uiText) Text(l Lang, key string, vars map[string]string) string {
	return u[key]
}
func (u uiText) List(l Lang, key string) []string {
	lists := map[Lang]map[string]string{
		"es": {"yes_words": "sí, si, claro", "no_words": "no, no gracias", "language_names": "español, castellano"},
		"fr": {"yes_words": "oui, ouais", "no_words": "non, pas vraiment", "language_names": "français, en français"},
		"en": {"yes_words": "yes, yeah", "no_words": "no, nope", "language_names": "english, anglais"},
	}
	var out []string
	for _, x := range strings.Split(lists[l][key], ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
func (u uiText) Langs() []Lang                  { return []Lang{"es", "fr", "en"} }
func (u uiText) Kind(Intent) (IntentKind, bool) { return "", false }
func (u uiText) Intents() []Intent              { return nil }
func (u uiText) Topics() []Intent               { return nil }

func TestRender(t *testing.T) {
	k := uiText{"numbered_hint": "Reply with a number."}
	yesNo := []Button{{Label: "Yes", Payload: PayloadYes}, {Label: "No", Payload: PayloadNo}}
	long := strings.Repeat("é", 500)
	tests := []struct {
		name    string
		caps    Capabilities
		text    string
		opts    []Button
		buttons int
		has     []string
		maxLen  int
	}{
		{"native buttons", Capabilities{Buttons: true}, "Did it help?", yesNo, 2, []string{"Did it help?"}, 0},
		{"numbered", Capabilities{}, "Did it help?", yesNo, 0, []string{"Did it help?\n\n1. Yes\n2. No\nReply with a number."}, 0},
		{"plain", Capabilities{MaxLen: 50}, "short", nil, 0, []string{"short"}, 50},
		{"cut to the limit", Capabilities{MaxLen: 160}, long, nil, 0, []string{"…"}, 160},
		{"cut keeps the options", Capabilities{MaxLen: 160}, long, yesNo, 0, []string{"…", "1. Yes\n2. No\nReply with a number."}, 160},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := render(k, Lang("en"), tc.caps, tc.text, tc.opts)
			if len(r.Buttons) != tc.buttons {
				t.Fatalf("%d buttons, want %d", len(r.Buttons), tc.buttons)
			}
			for _, h := range tc.has {
				if !strings.Contains(r.Text, h) {
					t.Fatalf("text lacks %q:\n%s", h, r.Text)
				}
			}
			if tc.maxLen > 0 && utf8.RuneCountInString(r.Text) > tc.maxLen {
				t.Fatalf("%d runes, limit %d", utf8.RuneCountInString(r.Text), tc.maxLen)
			}
		})
	}
}

func TestChooseOption(t *testing.T) {
	yesNo := []Button{{Label: "Sí", Payload: PayloadYes}, {Label: "No", Payload: PayloadNo}}
	topics := []Button{{Label: "Olvidé mi contraseña", Payload: "intent:forgot_password"}, {Label: "Hablar con una persona", Payload: PayloadHuman}}
	tests := []struct {
		opts []Button
		text string
		want string
		ok   bool
	}{
		{yesNo, "1", PayloadYes, true},
		{yesNo, " 2. ", PayloadNo, true},
		{yesNo, "3", "", false},
		{yesNo, "Sí!", PayloadYes, true},
		{yesNo, "si", PayloadYes, true},
		{yesNo, "oui", PayloadYes, true},
		{yesNo, "YES", PayloadYes, true},
		{yesNo, "non", PayloadNo, true},
		{yesNo, "no gracias", PayloadNo, true},
		{yesNo, "no puedo entrar", "", false},
		{topics, "olvide mi contrasena", "intent:forgot_password", true},
		{topics, "yes", "", false}, // no yes option offered
		{nil, "1", "", false},
	}
	for _, tc := range tests {
		got, ok := chooseOption(uiText{}, tc.opts, tc.text)
		if got != tc.want || ok != tc.ok {
			t.Errorf("chooseOption(%q) = %q %v, want %q %v", tc.text, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLangRequest(t *testing.T) {
	for text, want := range map[string]Lang{"English": Lang("en"), "español": Lang("es"), "Français !": Lang("fr"), "en francais": Lang("fr"),
		"hola": "", strings.Repeat("english ", 10): ""} {
		if got, _ := langRequest(uiText{}, text); got != want {
			t.Errorf("langRequest(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestKeyLocksSerializePerKey(t *testing.T) {
	k := newKeyLocks()
	unlockA := k.lock("a")
	done := make(chan struct{})
	go func() {
		unlockB := k.lock("b") // another key is not blocked
		unlockB()
		close(done)
	}()
	<-done
	got, released := make(chan struct{}), make(chan struct{})
	go func() {
		unlock := k.lock("a")
		close(got)
		unlock()
		close(released)
	}()
	select {
	case <-got:
		t.Fatal("second holder of the same key did not wait")
	case <-time.After(50 * time.Millisecond):
	}
	unlockA()
	<-released
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) != 0 {
		t.Fatalf("%d lock entries left", len(k.m))
	}
}
