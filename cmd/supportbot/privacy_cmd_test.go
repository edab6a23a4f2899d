package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/postgres"
	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
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

// pgSchema makes an empty schema on the test server, dropped at cleanup,
// and returns a URL whose sessions use it.
func pgSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SUPPORTBOT_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test database (start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "cmd_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err == nil {
			_, err = c.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			c.Close(context.Background())
		}
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "4")
	u.RawQuery = q.Encode()
	return u.String()
}

// TestDataOnPostgres: with SUPPORTBOT_DATABASE_URL the data commands act
// on PostgreSQL, as serve does.
func TestDataOnPostgres(t *testing.T) {
	u := pgSchema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	c := bot.Conversation{Channel: "telegram", ChatID: "777", ContactID: "777", State: bot.StateBot, Lang: bot.Lang("fr")}
	_, err = st.Commit(ctx, bot.Change{Conversation: c, At: time.Now(), Inbound: &bot.Entry{Kind: bot.KindClient, Author: "777",
		Text: "mot de passe oublié", PlatformID: "1", At: time.Now()},
		Contact: &bot.Contact{Channel: "telegram", ContactID: "777", Name: "Chloé"}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SUPPORTBOT_DATABASE_URL": u, "SUPPORTBOT_DATA_DIR": t.TempDir()}
	if out, _ := mustRun(t, vars, "", "data", "export", "--contact", "telegram:777"); !strings.Contains(out, "mot de passe oublié") {
		t.Fatalf("export:\n%s", out)
	}
	if out, _ := mustRun(t, vars, "", "data", "erase", "--contact", "telegram:777"); !strings.Contains(out, "1 messages") {
		t.Fatalf("erase printed %q", out)
	}
	if out, _ := mustRun(t, vars, "", "data", "purge", "--older-than", "1d", "--dry-run"); !strings.Contains(out, "0 conversations") {
		t.Fatalf("dry run printed %q", out)
	}
}

// TestServeRetention: serve logs its retention and purges an idle
// conversation while it runs.
func TestServeRetention(t *testing.T) {
	p := startServe(t, "SUPPORTBOT_RETENTION=400ms")
	ctx := waitCtx(t)
	user := telegramfake.User{ID: 4711, FirstName: "Ana", LanguageCode: "es"}
	p.tg.PushText(4711, user, "olvidé mi contraseña")
	if _, err := p.tg.WaitSent(ctx, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.logs.String(), `"msg":"retention: purged","conversations":1`) {
		if time.Now().After(deadline) {
			t.Fatalf("no purge logged:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.logs.String(), `"msg":"retention on`) {
		t.Errorf("serve did not log its retention:\n%s", p.logs.String())
	}
}

func TestRetentionSettings(t *testing.T) {
	tests := []struct {
		in    string
		want  time.Duration
		every time.Duration
	}{
		{"", 0, 0}, {"off", 0, 0}, {"90d", 90 * 24 * time.Hour, time.Hour}, {"2h", 2 * time.Hour, 30 * time.Minute},
	}
	for _, tt := range tests {
		got, err := parseRetention(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseRetention(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if tt.want > 0 && (retention{after: got}).every() != tt.every {
			t.Errorf("%q checked every %v, want %v", tt.in, (retention{after: got}).every(), tt.every)
		}
	}
}
