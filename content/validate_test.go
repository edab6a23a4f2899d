package content

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hexfit/supportbot/bot"
)

// testIntents are the intents of the minimal knowledge base, with kinds.
var testIntents = []struct {
	id   bot.Intent
	kind bot.IntentKind
}{
	{"reset", bot.AnswerIntent}, {"billing", bot.AnswerIntent}, {"person", bot.HandoffIntent},
	{"hello", bot.GreetingIntent}, {"cheers", bot.ThanksIntent}, {"other", bot.OutOfScopeIntent},
}

var testLangs = []bot.Lang{"pt", "de", "en"}

// validFS builds a minimal knowledge base that passes validation: other
// intents and languages than the embedded one, to show both are data.
func validFS(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{
		"site.md": {Data: []byte("---\nproduct: Acme\nteam: Acme Experts\nemail: help@acme.test\nlanguages: pt, de, en\ntopics: billing\n---\n")},
	}
	for _, l := range testLangs {
		fsys["ui/"+string(l)+".md"] = &fstest.MapFile{Data: []byte(uiFile(l, ""))}
		for _, in := range testIntents {
			fsys[fmt.Sprintf("articles/%s.%s.md", in.id, l)] = &fstest.MapFile{Data: []byte(articleFile(in.id, in.kind, l, "Short answer from {team}.", 15))}
		}
	}
	return fsys
}

func uiFile(l bot.Lang, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nlang: %s\n---\n", l)
	for _, k := range uiRequired {
		fmt.Fprintf(&b, "%s: %s text (%s)\n", k, k, l)
	}
	b.WriteString("welcome2: Hi from {product}\nyes_words: yes, ja, sim\nno_words: no, nein, não\n")
	b.WriteString("language_names: lang-" + string(l) + "\nweekdays: d0, d1, d2, d3, d4, d5, d6\nfunction_words: the a de der\n")
	return strings.Replace(b.String(), "clarify: clarify text", "clarify: {a} or {b}? text", 1) + extra
}

func articleFile(in bot.Intent, kind bot.IntentKind, l bot.Lang, short string, phrases int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nid: %s.%s\nintent: %s\nkind: %s\nlang: %s\ntitle: Title %s\nlabel: Label\n---\n\n", in, l, in, kind, l, in)
	if kind != bot.OutOfScopeIntent {
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
	if len(kb.Warnings()) != 0 {
		t.Fatalf("warnings: %v", kb.Warnings())
	}
	a, ok := kb.Answer("reset", "de", bot.Staff)
	if !ok || a.Short != "Short answer from Acme Experts." || a.Audience != bot.Client {
		t.Fatalf("staff falls back to client answer with placeholders filled, got %+v ok=%v", a, ok)
	}
	if got := kb.Text("pt", "welcome2", nil); got != "Hi from Acme" {
		t.Errorf("Text = %q", got)
	}
	if got := kb.Text("en", "clarify", map[string]string{"a": "A", "b": "B"}); got != "A or B? text (en)" {
		t.Errorf("Text vars = %q", got)
	}
	if got := kb.Text("en", "no_such_key", nil); got != "no_such_key" {
		t.Errorf("missing key = %q", got)
	}
	if got := kb.List("de", "no_words"); strings.Join(got, "|") != "no|nein|não" {
		t.Errorf("List = %q", got)
	}
	if n := len(kb.Examples()); n != len(testIntents)*3*15 {
		t.Errorf("examples = %d", n)
	}
	if got := kb.Langs(); len(got) != 3 || got[0] != "pt" {
		t.Errorf("Langs = %v, want pt first", got)
	}
	for _, in := range testIntents {
		if k, ok := kb.Kind(in.id); !ok || k != in.kind {
			t.Errorf("Kind(%s) = %q %v, want %q", in.id, k, ok, in.kind)
		}
	}
	if got := kb.Topics(); len(got) != 1 || got[0] != "billing" {
		t.Errorf("Topics = %v", got)
	}
	kb2, err := Load(validFS(t), Site{Product: "Other"})
	if err != nil || kb2.Text("en", "welcome2", nil) != "Hi from Other" {
		t.Errorf("override not applied: %v", err)
	}
}

func TestValidateReportsFileAndLine(t *testing.T) {
	long := strings.Repeat("x", MaxShort+1)
	art := func(in bot.Intent, k bot.IntentKind, l bot.Lang) string { return articleFile(in, k, l, "ok", 15) }
	tests := []struct {
		name string
		edit func(fstest.MapFS)
		want string
	}{
		{"no front matter", func(f fstest.MapFS) {
			f["articles/cheers.en.md"].Data = []byte("intent: cheers\n")
		}, "articles/cheers.en.md:1: missing front matter"},
		{"unclosed front matter", func(f fstest.MapFS) {
			f["articles/cheers.en.md"].Data = []byte("---\nintent: cheers\n")
		}, "articles/cheers.en.md:1: front matter is not closed"},
		{"broken front matter line", func(f fstest.MapFS) {
			f["articles/cheers.en.md"].Data = []byte(strings.Replace(art("cheers", bot.ThanksIntent, "en"), "label: Label", "label Label", 1))
		}, "articles/cheers.en.md:7: broken front matter line"},
		{"bad intent id", func(f fstest.MapFS) {
			f["articles/Pizza.en.md"] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(art("cheers", bot.ThanksIntent, "en"), "cheers", "Pizza"))}
		}, "articles/Pizza.en.md:3: intent \"Pizza\": want lower-case letters"},
		{"unknown kind", func(f fstest.MapFS) {
			f["articles/cheers.en.md"].Data = []byte(art("cheers", "faq", "en"))
		}, "articles/cheers.en.md:4: kind \"faq\": want answer, handoff"},
		{"kind differs across languages", func(f fstest.MapFS) {
			f["articles/cheers.en.md"].Data = []byte(art("cheers", bot.AnswerIntent, "en"))
		}, "articles/cheers.en.md:4: kind \"answer\" differs from articles/cheers.de.md"},
		{"duplicate id", func(f fstest.MapFS) {
			f["articles/hello.en.md"].Data = []byte(strings.Replace(art("hello", bot.GreetingIntent, "en"), "id: hello.en", "id: cheers.en", 1))
		}, "duplicate id \"cheers.en\""},
		{"missing short form", func(f fstest.MapFS) {
			f["articles/cheers.pt.md"].Data = []byte(strings.Replace(art("cheers", bot.ThanksIntent, "pt"), "# client short\nok\n", "", 1))
		}, "articles/cheers.pt.md:1: missing short form"},
		{"short form too long", func(f fstest.MapFS) {
			f["articles/cheers.pt.md"].Data = []byte(articleFile("cheers", bot.ThanksIntent, "pt", long, 15))
		}, fmt.Sprintf("articles/cheers.pt.md:10: short form \"client short\" is %d characters, max 300", MaxShort+1)},
		{"language not listed", func(f fstest.MapFS) {
			f["articles/cheers.fr.md"] = &fstest.MapFile{Data: []byte(art("cheers", bot.ThanksIntent, "fr"))}
		}, "articles/cheers.fr.md:5: lang \"fr\" is not in site.md's languages (pt, de, en)"},
		{"lang does not match file", func(f fstest.MapFS) {
			f["articles/cheers.de.md"].Data = []byte(art("cheers", bot.ThanksIntent, "pt"))
		}, "articles/cheers.de.md:1: file name does not match its front matter: want cheers.pt.md"},
		{"unknown section", func(f fstest.MapFS) {
			f["articles/cheers.en.md"].Data = []byte(art("cheers", bot.ThanksIntent, "en") + "# extra\nhello\n")
		}, "unknown section \"extra\""},
		{"unknown placeholder in an article", func(f fstest.MapFS) {
			f["articles/reset.en.md"].Data = []byte(articleFile("reset", bot.AnswerIntent, "en", "Open {prodcut} now.", 15))
		}, "articles/reset.en.md:11: unknown placeholder {prodcut}"},
		{"unknown placeholder in ui", func(f fstest.MapFS) {
			f["ui/de.md"].Data = []byte(uiFile("de", "bye: Tschüss von {tema}\n"))
		}, "ui/de.md:38: unknown placeholder {tema}"},
		{"ui key missing in one language", func(f fstest.MapFS) {
			f["ui/de.md"].Data = []byte(strings.Replace(uiFile("de", ""), "welcome2: Hi from {product}\n", "", 1))
		}, "ui/de.md: missing language: key \"welcome2\""},
		{"ui key the engine needs", func(f fstest.MapFS) {
			for _, l := range testLangs {
				f["ui/"+string(l)+".md"].Data = []byte(strings.Replace(uiFile(l, ""), "csat_ask: csat_ask text ("+string(l)+")\n", "", 1))
			}
		}, "ui/pt.md: missing key \"csat_ask\""},
		{"ui file of a listed language missing", func(f fstest.MapFS) {
			delete(f, "ui/de.md")
		}, "ui/de.md: missing file"},
		{"site name missing", func(f fstest.MapFS) {
			f["site.md"].Data = []byte("---\nproduct: Acme\nteam: T\nlanguages: pt, de, en\n---\n")
		}, "site.md: missing \"email\""},
		{"no languages", func(f fstest.MapFS) {
			f["site.md"].Data = []byte("---\nproduct: Acme\nteam: T\nemail: e@x.test\n---\n")
		}, "site.md: missing \"languages\""},
		{"bad language code", func(f fstest.MapFS) {
			f["site.md"].Data = []byte("---\nproduct: Acme\nteam: T\nemail: e@x.test\nlanguages: pt, Deutsch\n---\n")
		}, "site.md:5: language \"Deutsch\" is not an ISO 639 code"},
		{"topic not an answer", func(f fstest.MapFS) {
			f["site.md"].Data = []byte("---\nproduct: Acme\nteam: T\nemail: e@x.test\nlanguages: pt, de, en\ntopics: hello\n---\n")
		}, "site.md:6: topic \"hello\" is not an intent of kind answer"},
		{"unknown words.md section", func(f fstest.MapFS) {
			f["words.md"] = &fstest.MapFile{Data: []byte("# synonyms\nemail: mail\n# slang\nthx: thanks\nty: thank you\n")}
		}, "words.md:3: unknown section \"slang\""},
		{"duplicate phrase", func(f fstest.MapFS) {
			f["articles/reset.en.md"].Data = []byte(art("reset", bot.AnswerIntent, "en") + "- Phrase reset en number 3\n")
		}, "duplicate phrase (first on line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := validFS(t)
			tt.edit(fsys)
			joined := problemText(Validate(fsys))
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

func problemText(ps []Problem) string {
	var all []string
	for _, p := range ps {
		all = append(all, p.String())
	}
	return strings.Join(all, "\n")
}

// Warnings are reported but the content still loads and serves.
func TestWarningsDoNotStopLoading(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(fstest.MapFS)
		want  string
		check func(*testing.T, *KB)
	}{
		{"missing language answers in the first", func(f fstest.MapFS) {
			delete(f, "articles/billing.de.md")
		}, "articles/billing.de.md: warning: missing language: intent billing has no de article, so de clients get the pt one",
			func(t *testing.T, kb *KB) {
				if a, ok := kb.Answer("billing", "de", bot.Client); !ok || a.Lang != "pt" {
					t.Fatalf("Answer(billing, de) = %+v %v, want the pt article", a, ok)
				}
			}},
		{"few phrases", func(f fstest.MapFS) {
			f["articles/reset.en.md"].Data = []byte(articleFile("reset", bot.AnswerIntent, "en", "ok", 2))
		}, "articles/reset.en.md: warning: 2 training phrases, fewer than 5", nil},
		{"no phrases at all", func(f fstest.MapFS) {
			f["articles/reset.en.md"].Data = []byte(articleFile("reset", bot.AnswerIntent, "en", "ok", 0))
		}, "articles/reset.en.md: warning: 0 training phrases", func(t *testing.T, kb *KB) {
			if _, ok := kb.Answer("reset", "en", bot.Client); !ok {
				t.Fatal("an article without phrases is still served")
			}
		}},
		{"optional list missing", func(f fstest.MapFS) {
			for _, l := range testLangs {
				f["ui/"+string(l)+".md"].Data = []byte(strings.Replace(uiFile(l, ""), "function_words: the a de der\n", "", 1))
			}
		}, "ui/en.md: warning: no \"function_words\"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := validFS(t)
			tt.edit(fsys)
			if joined := problemText(Validate(fsys)); !strings.Contains(joined, tt.want) {
				t.Fatalf("want %q, got:\n%s", tt.want, joined)
			}
			kb, err := Load(fsys, Site{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !strings.Contains(problemText(kb.Warnings()), tt.want) {
				t.Fatalf("Warnings lack %q", tt.want)
			}
			if tt.check != nil {
				tt.check(t, kb)
			}
		})
	}
}

func TestEmbeddedContentIsValid(t *testing.T) {
	if ps := Validate(Embedded()); len(ps) > 0 {
		t.Fatalf("embedded content:\n%s", problemText(ps))
	}
}
