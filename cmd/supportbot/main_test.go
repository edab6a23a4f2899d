package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/content"
)

// runCmd runs the CLI in-process with the given stdin and environment.
func runCmd(t *testing.T, stdin string, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

// contentCopy copies the embedded knowledge base to a temporary folder.
func contentCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kb")
	if err := os.CopyFS(dir, content.Embedded()); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestContentValidate(t *testing.T) {
	broken := contentCopy(t)
	if err := os.WriteFile(filepath.Join(broken, "articles", "thanks.fr.md"), []byte("---\nintent: thanks\nlang: fr\n---\n# client short\n"+strings.Repeat("é", 301)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		vars     map[string]string
		wantCode int
		wantOut  []string
	}{
		{"embedded is valid", []string{"content", "validate"}, nil, 0, []string{"content OK"}},
		{"flag folder", []string{"content", "validate", "--content", broken}, nil, 1,
			[]string{"articles/thanks.fr.md:5: short form \"client short\" is 301 characters, max 300", "articles/thanks.fr.md:5: missing full form"}},
		{"env folder", []string{"content", "validate"}, map[string]string{"SUPPORTBOT_CONTENT_DIR": broken}, 1,
			[]string{"articles/thanks.fr.md:1: front matter has no title"}},
		{"unknown subcommand", []string{"content", "publish"}, nil, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", tt.vars, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestStartRefusedOnInvalidContent(t *testing.T) {
	dir := contentCopy(t)
	f := filepath.Join(dir, "articles", "greeting.es.md")
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, []byte(strings.Replace(string(b), "{product}", "{prodcut}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, "hola\n", nil, "chat", "--content", dir)
	if code != 1 || !strings.Contains(errOut, "unknown placeholder {prodcut}") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
}

func TestContentExport(t *testing.T) {
	code, out, errOut := runCmd(t, "", nil, "content", "export", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	kb, err := content.Load(content.Embedded(), content.Site{})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(kb.Examples()) {
		t.Fatalf("%d lines, want %d", len(lines), len(kb.Examples()))
	}
	langs := map[string]int{}
	for i, l := range lines {
		var ex struct{ Text, Intent, Lang string }
		if err := json.Unmarshal([]byte(l), &ex); err != nil || ex.Text == "" || ex.Intent == "" {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		langs[ex.Lang]++
	}
	if len(langs) != 3 {
		t.Errorf("languages exported: %v", langs)
	}
	if code, _, _ := runCmd(t, "", nil, "content", "export", "--format", "csv"); code != 2 {
		t.Errorf("unknown format: exit %d, want 2", code)
	}
}

func TestEval(t *testing.T) {
	cases := filepath.Join(t.TempDir(), "cases.jsonl")
	data := `{"text": "olvidé mi contraseña y no puedo entrar", "intent": "forgot_password", "lang": "es"}
{"text": "bonjour", "intent": "greeting", "lang": "fr"}
{"text": "what's the weather like in Paris tomorrow", "intent": "none", "lang": "en"}
`
	if err := os.WriteFile(cases, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", nil, "eval", "--file", cases, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	for _, k := range []string{"n", "accuracy", "lang_accuracy", "per_intent", "p50_us", "p99_us"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("JSON report lacks %q", k)
		}
	}
	if rep["n"].(float64) != 3 {
		t.Errorf("n = %v", rep["n"])
	}
	code, out, _ = runCmd(t, "", nil, "eval", "--file", cases)
	if code != 0 || !strings.Contains(strings.ToLower(out), "accuracy") {
		t.Errorf("text report: exit %d\n%s", code, out)
	}
	if code, _, _ := runCmd(t, "", nil, "eval"); code != 2 {
		t.Errorf("missing --file: exit %d, want 2", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(data+"{not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCmd(t, "", nil, "eval", "--file", bad); code != 1 || !strings.Contains(errOut, "4") {
		t.Errorf("bad line: exit %d, stderr %q (want the line number)", code, errOut)
	}
}
