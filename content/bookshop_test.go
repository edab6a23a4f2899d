package content

import (
	"os"
	"testing"
)

// The second knowledge base in testdata (another company, other
// languages and intents) loads with no code change.
func TestBookshopContentIsValid(t *testing.T) {
	ps := Validate(os.DirFS("testdata/bookshop"))
	for _, p := range ps {
		if !p.Warn {
			t.Fatalf("bookshop content:\n%s", problemText(ps))
		}
	}
	kb, err := Load(os.DirFS("testdata/bookshop"), Site{})
	if err != nil {
		t.Fatal(err)
	}
	if l := kb.Langs(); len(l) != 2 || l[0] != "pt" {
		t.Fatalf("Langs = %v", l)
	}
}
