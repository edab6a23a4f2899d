package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// mustRun runs the CLI and fails the test unless it exits 0.
func mustRun(t *testing.T, vars map[string]string, stdin string, args ...string) (stdout, stderr string) {
	t.Helper()
	code, out, errOut := runCmd(t, stdin, vars, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
	}
	return out, errOut
}

// TestDataExportErase: a console client's conversation is exported with
// every message, erased with a count and an audit line naming no one,
// and a later conversation starts from nothing.
func TestDataExportErase(t *testing.T) {
	vars := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir()}
	mustRun(t, vars, "olvidé mi contraseña\n", "chat", "--name", "Zoé Confidential", "--contact-id", "zoe-42")
	out, _ := mustRun(t, vars, "", "data", "export", "--contact", "console:zoe-42")
	var x bot.ContactExport
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out)
	}
	if x.Contact == nil || x.Contact.Name != "Zoé Confidential" || len(x.Conversations) != 1 ||
		len(x.Conversations[0].Messages) < 2 || x.Conversations[0].Messages[0].Text != "olvidé mi contraseña" {
		t.Fatalf("export %s", out)
	}
	out, errOut := mustRun(t, vars, "", "data", "erase", "--contact", "console:zoe-42")
	if !strings.Contains(out, "erased console:zoe-42: 1 contacts, 1 conversations") {
		t.Errorf("erase printed %q", out)
	}
	if !strings.Contains(errOut, `"msg":"privacy: contact erased"`) || strings.Contains(errOut, "zoe-42") ||
		strings.Contains(errOut, "Zoé") || strings.Contains(errOut, "contraseña") {
		t.Errorf("audit line %q: want the erasure without the data", errOut)
	}
	if code, _, _ := runCmd(t, "", vars, "data", "export", "--contact", "console:zoe-42"); code != 1 {
		t.Errorf("export after erasure: exit %d, want 1 (nothing held)", code)
	}
	mustRun(t, vars, "hola\n", "chat", "--contact-id", "zoe-42")
	out, _ = mustRun(t, vars, "", "data", "export", "--contact", "console:zoe-42")
	if strings.Contains(out, `"olvidé mi contraseña"`) || strings.Contains(out, "Confidential") || !strings.Contains(out, `"hola"`) {
		t.Errorf("after erasure the contact is not new:\n%s", out)
	}
}

// TestDataPurge: a dry run counts, the purge removes the text, and the
// report's figures stay.
func TestDataPurge(t *testing.T) {
	vars := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir()}
	mustRun(t, vars, "olvidé mi contraseña\n1\n", "chat", "--name", "Zoé")
	figures := func() report {
		t.Helper()
		out, _ := mustRun(t, vars, "", "report", "--json", "--since", "1d")
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		r.Since = time.Time{}
		return r
	}
	reportBefore := figures()
	time.Sleep(10 * time.Millisecond)
	out, _ := mustRun(t, vars, "", "data", "purge", "--older-than", "5ms", "--dry-run")
	if !strings.Contains(out, "dry run") || !strings.Contains(out, "1 contacts, 1 conversations") {
		t.Errorf("dry run printed %q", out)
	}
	if out, _ := mustRun(t, vars, "", "data", "export", "--contact", "console:console-user"); !strings.Contains(out, "contraseña") {
		t.Fatalf("the dry run removed data:\n%s", out)
	}
	out, _ = mustRun(t, vars, "", "data", "purge", "--older-than", "5ms")
	if !strings.Contains(out, "purged conversations idle since") || !strings.Contains(out, "1 conversations") {
		t.Errorf("purge printed %q", out)
	}
	if reportAfter := figures(); !reflect.DeepEqual(reportAfter, reportBefore) || reportBefore.Conversations != 1 {
		t.Errorf("report changed by the purge:\nbefore %+v\nafter  %+v", reportBefore, reportAfter)
	}
	if code, _, _ := runCmd(t, "", vars, "data", "export", "--contact", "console:console-user"); code != 1 {
		t.Errorf("export after the purge: exit %d, want 1", code)
	}
}

func TestDataUsageErrors(t *testing.T) {
	vars := map[string]string{"SUPPORTBOT_DATA_DIR": t.TempDir()}
	tests := []struct {
		name string
		args []string
	}{
		{"no subcommand", []string{"data"}},
		{"unknown subcommand", []string{"data", "shred"}},
		{"no contact", []string{"data", "export"}},
		{"contact without channel", []string{"data", "erase", "--contact", "12345"}},
		{"no age", []string{"data", "purge"}},
		{"bad age", []string{"data", "purge", "--older-than", "soon"}},
		{"bad retention", []string{"serve", "--retention", "forever"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, out, errOut := runCmd(t, "", vars, tt.args...); code != 2 {
				t.Fatalf("exit %d, want 2\n%s%s", code, out, errOut)
			}
		})
	}
}
