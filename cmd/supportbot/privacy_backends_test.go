package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/postgres"
	"github.com/hexfit/supportbot/bot/store/sqlite"
)

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

// fakeSlackAPI answers the Web API calls a redaction makes and records
// the messages it updated.
func fakeSlackAPI(t *testing.T) (apiURL string, updated func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/auth.test":
			fmt.Fprint(w, `{"ok":true,"user_id":"UBOT"}`)
		case "/conversations.replies":
			fmt.Fprintf(w, `{"ok":true,"messages":[{"ts":%q,"user":"UBOT"},{"ts":"2.1","user":"UBOT","text":"copy"}]}`, r.Form.Get("ts"))
		case "/chat.update":
			mu.Lock()
			ts = append(ts, r.Form.Get("ts"))
			mu.Unlock()
			fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":%q}`, r.Form.Get("channel"), r.Form.Get("ts"))
		default:
			fmt.Fprint(w, `{"ok":false,"error":"unknown_method"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ts...)
	}
}

// TestDataEraseRedactsSlack: with the agent inbox configured, an erasure
// replaces the handoff's Slack parent message and the bot's copies.
func TestDataEraseRedactsSlack(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	c := bot.Conversation{Channel: "telegram", ChatID: "555", ContactID: "555", State: bot.StateWaiting}
	res, err := st.Commit(ctx, bot.Change{Conversation: c, At: time.Now(),
		Inbound: &bot.Entry{Kind: bot.KindClient, Author: "555", Text: "ayuda", PlatformID: "1", At: time.Now()},
		Handoff: &bot.HandoffChange{Create: true, H: bot.Handoff{Reason: "requested"}}})
	if err == nil {
		err = st.SaveSlackThread(ctx, res.HandoffID, res.ConvID, "CAGENTS", "2.0")
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	api, updated := fakeSlackAPI(t)
	vars := map[string]string{"SUPPORTBOT_DATA_DIR": dir, "SUPPORTBOT_SLACK_BOT_TOKEN": "xoxb-test",
		"SUPPORTBOT_SLACK_AGENTS_CHANNEL": "CAGENTS", "SUPPORTBOT_SLACK_API_URL": api}
	out, _ := mustRun(t, vars, "", "data", "erase", "--contact", "telegram:555")
	if got := updated(); !strings.Contains(out, "replaced 1 Slack threads") || len(got) != 2 || got[0] != "2.0" || got[1] != "2.1" {
		t.Fatalf("erase printed %q and updated %v, want the parent 2.0 and the copy 2.1", out, got)
	}
}
