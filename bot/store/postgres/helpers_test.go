package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// defaultTestURL is the PostgreSQL server of the development machine and
// CI (.ci/run starts it). Tests fail, never skip, when it is down.
const defaultTestURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testURL() string {
	if u := os.Getenv("SUPPORTBOT_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultTestURL
}

// newSchema creates an empty schema for one test, dropped in t.Cleanup,
// and returns a URL whose sessions use it, so parallel packages and
// repeated runs never see each other's rows or locks.
func newSchema(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	base := testURL()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test database %s (start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start): %v",
			base, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "st_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // lets a test find its own sessions
	if _, bench := t.(*testing.B); !bench && !q.Has("pool_max_conns") {
		// Tests run side by side (and beside other packages): stay well
		// below the server's max_connections.
		q.Set("pool_max_conns", "8")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// openURL opens a store on u, closed in t.Cleanup (before the schema is
// dropped: cleanups run last-in first-out).
func openURL(t testing.TB, u string) *Store {
	t.Helper()
	s, err := Open(context.Background(), u)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openFresh opens a store on a new schema.
func openFresh(t testing.TB) *Store {
	t.Helper()
	return openURL(t, newSchema(t))
}
