package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
	"github.com/hexfit/supportbot/bot/store/storetest"
)

// openPrivacy opens a store in a temporary directory and remembers the
// directory for dumpTables.
func openPrivacy(t *testing.T) storetest.PrivacyStore {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	dirs[s] = dir
	return s
}

// dirs maps an open store to its data directory (subtests run one by one).
var dirs = map[storetest.PrivacyStore]string{}

// dumpTables reads every table through a connection of its own.
func dumpTables(t *testing.T, s storetest.PrivacyStore) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dirs[s], sqlite.FileName)+"?_pragma=query_only(ON)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	var out []string
	for _, n := range names {
		out = append(out, dumpTable(t, db, n)...)
	}
	return out
}

func dumpTable(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM "` + table + `"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out = append(out, fmt.Sprintf("%s.%s=%v", table, cols[i], v))
		}
	}
	return out
}

func TestPrivacy(t *testing.T) { storetest.RunPrivacy(t, openPrivacy, dumpTables) }

// TestErasedTextLeavesTheFiles: removed text is overwritten in the
// database file (secure_delete) and gone from the WAL (checkpoint).
func TestErasedTextLeavesTheFiles(t *testing.T) {
	tests := []struct {
		name   string
		remove func(ctx context.Context, s *sqlite.Store, ref bot.ContactRef) error
	}{
		{"erase", func(ctx context.Context, s *sqlite.Store, ref bot.ContactRef) error {
			_, err := s.EraseContact(ctx, ref, time.Now())
			return err
		}},
		{"purge", func(ctx context.Context, s *sqlite.Store, _ bot.ContactRef) error {
			_, err := s.Purge(ctx, time.Now().Add(time.Hour), false)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s, err := sqlite.OpenDir(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			const secret = "zebra-unicorn-4711"
			ref := bot.ContactRef{Channel: "telegram", ContactID: "98765"}
			writeSecret(t, s, ref, secret)
			if !inFiles(t, dir, secret) {
				t.Fatal("the written text is in neither the database nor the WAL: the test would prove nothing")
			}
			if err := tt.remove(ctx, s, ref); err != nil {
				t.Fatal(err)
			}
			if inFiles(t, dir, secret) {
				t.Fatal("the removed text is still readable in the database files")
			}
		})
	}
}

// writeSecret stores many messages holding secret, enough to fill pages.
func writeSecret(t *testing.T, s *sqlite.Store, ref bot.ContactRef, secret string) {
	t.Helper()
	ctx := context.Background()
	c := bot.Conversation{Channel: ref.Channel, ChatID: ref.ContactID, ContactID: ref.ContactID, State: bot.StateBot}
	for i := range 200 {
		in := &bot.Entry{Kind: bot.KindClient, Author: ref.ContactID, Text: fmt.Sprintf("%s message %d", secret, i),
			PlatformID: fmt.Sprint(i), At: time.Now().Add(-time.Hour)}
		res, err := s.Commit(ctx, bot.Change{Conversation: c, Inbound: in, At: time.Now().Add(-time.Hour),
			Contact: &bot.Contact{Channel: ref.Channel, ContactID: ref.ContactID, Name: secret}})
		if err != nil {
			t.Fatal(err)
		}
		c.ID, c.Version = res.ConvID, res.Version
	}
}

// inFiles reports whether any file of the data directory holds s.
func inFiles(t *testing.T, dir, s string) bool {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			t.Logf("%s holds %q", e.Name(), s)
			return true
		}
	}
	return false
}
