package content

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hexfit/supportbot/bot"
)

// validFS builds a minimal knowledge base that passes validation.
func validFS(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{
		"site.md": {Data: []byte("---\nproduct: Acme\nteam: Acme Experts\nemail: help@acme.test\n---\n")},
	}
	for _, l := range bot.Langs {
		fsys["ui/"+string(l)+".md"] = &fstest.MapFile{Data: []byte(fmt.Sprintf("---\nlang: %s\n---\nwelcome: Hi from {product} (%s)\nclarify: {a} or {b}?\n", l, l))}
		for _, in := range bot.Intents {
			fsys[fmt.Sprintf("articles/%s.%s.md", in, l)] = &fstest.MapFile{Data: []byte(article(in, l, "Short answer from {team}.", 15))}
		}
	}
	return fsys
}

func article(in bot.Intent, l bot.Lang, short string, phrases int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nid: %s.%s\nintent: %s\nlang: %s\ntitle: Title %s\nlabel: Label\n---\n\n", in, l, in, l, in)
	if in != bot.None {
		fmt.Fprintf(&b, "# client short\n%s\n\n# client full\n1. Step one\n2. Step two\n\n", short)
	}
	b.WriteString("# phrases\n")
	for i := 0; i < phrases; i++ {
		fmt.Fprintf(&b, "- phrase %s %s number %d\n", in, l, i)
	}
	return b.String()
}

func TestValidFSLoads(t *testing.T) {
	kb, err := Load(validFS(t), Site{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	a, ok := kb.Answer(bot.ForgotPassword, bot.LangFR, bot.Staff)
	if !ok || a.Short != "Short answer from Acme Experts." || a.Audience != bot.Client {
		t.Fatalf("staff falls back to client answer with placeholders filled, got %+v ok=%v", a, ok)
	}
	if got := kb.Text(bot.LangES, "welcome", nil); got != "Hi from Acme (es)" {
		t.Errorf("Text = %q", got)
	}
	if got := kb.Text(bot.LangEN, "clarify", map[string]string{"a": "A", "b": "B"}); got != "A or B?" {
		t.Errorf("Text vars = %q", got)
	}
	if got := kb.Text(bot.LangEN, "no_such_key", nil); got != "no_such_key" {
		t.Errorf("missing key = %q", got)
	}
	if n := len(kb.Examples()); n != len(bot.Intents)*3*15 {
		t.Errorf("examples = %d", n)
	}
	kb2, err := Load(validFS(t), Site{Product: "Other"})
	if err != nil || kb2.Text(bot.LangEN, "welcome", nil) != "Hi from Other (en)" {
		t.Errorf("override not applied: %v", err)
	}
}

func TestValidateReportsFileAndLine(t *testing.T) {
	long := strings.Repeat("x", MaxShort+1)
	tests := []struct {
		name string
		edit func(fstest.MapFS)
		want string
	}{
		{"no front matter", func(f fstest.MapFS) {
			f["articles/thanks.en.md"].Data = []byte("intent: thanks\n")
		}, "articles/thanks.en.md:1: missing front matter"},
		{"unclosed front matter", func(f fstest.MapFS) {
			f["articles/thanks.en.md"].Data = []byte("---\nintent: thanks\n")
		}, "articles/thanks.en.md:1: front matter is not closed"},
		{"broken front matter line", func(f fstest.MapFS) {
			f["articles/thanks.en.md"].Data = []byte(strings.Replace(article(bot.Thanks, bot.LangEN, "ok", 15), "label: Label", "label Label", 1))
		}, "articles/thanks.en.md:6: broken front matter line"},
		{"unknown intent", func(f fstest.MapFS) {
			f["articles/pizza.en.md"] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(article(bot.Thanks, bot.LangEN, "ok", 15), "thanks", "pizza"))}
		}, "articles/pizza.en.md:3: unknown intent \"pizza\""},
		{"duplicate id", func(f fstest.MapFS) {
			f["articles/greeting.en.md"].Data = []byte(strings.Replace(article(bot.Greeting, bot.LangEN, "ok", 15), "id: greeting.en", "id: thanks.en", 1))
		}, "duplicate id \"thanks.en\""},
		{"missing language", func(f fstest.MapFS) {
			delete(f, "articles/code_rejected.fr.md")
		}, "articles/code_rejected.fr.md: missing language: intent code_rejected has no fr article"},
		{"missing short form", func(f fstest.MapFS) {
			f["articles/thanks.es.md"].Data = []byte(strings.Replace(article(bot.Thanks, bot.LangES, "ok", 15), "# client short\nok\n", "", 1))
		}, "articles/thanks.es.md:1: missing short form"},
		{"short form too long", func(f fstest.MapFS) {
			f["articles/thanks.es.md"].Data = []byte(article(bot.Thanks, bot.LangES, long, 15))
		}, fmt.Sprintf("articles/thanks.es.md:9: short form \"client short\" is %d characters, max 300", MaxShort+1)},
		{"too few phrases", func(f fstest.MapFS) {
			f["articles/none.fr.md"].Data = []byte(article(bot.None, bot.LangFR, "", 3))
		}, "articles/none.fr.md:9: 3 training phrases, want at least 15"},
		{"lang does not match file", func(f fstest.MapFS) {
			f["articles/thanks.fr.md"].Data = []byte(article(bot.Thanks, bot.LangES, "ok", 15))
		}, "articles/thanks.fr.md:1: file name does not match its front matter: want thanks.es.md"},
		{"unknown section", func(f fstest.MapFS) {
			f["articles/thanks.en.md"].Data = []byte(article(bot.Thanks, bot.LangEN, "ok", 15) + "# extra\nhello\n")
		}, "unknown section \"extra\""},
		{"ui key missing in one language", func(f fstest.MapFS) {
			f["ui/fr.md"].Data = []byte("---\nlang: fr\n---\nwelcome: Salut\n")
		}, "ui/fr.md: missing language: key \"clarify\""},
		{"site name missing", func(f fstest.MapFS) {
			f["site.md"].Data = []byte("---\nproduct: Acme\nteam: T\n---\n")
		}, "site.md: missing \"email\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := validFS(t)
			tt.edit(fsys)
			probs := Validate(fsys)
			var all []string
			for _, p := range probs {
				all = append(all, p.String())
			}
			joined := strings.Join(all, "\n")
			if !strings.Contains(joined, tt.want) {
				t.Fatalf("want a problem containing %q, got:\n%s", tt.want, joined)
			}
			_, err := Load(fsys, Site{})
			if !errors.Is(err, bot.ErrInvalidContent) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load error = %v, want ErrInvalidContent mentioning %q", err, tt.want)
			}
		})
	}
}
