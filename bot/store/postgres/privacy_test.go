package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/hexfit/supportbot/bot/store/storetest"
)

func TestPrivacy(t *testing.T) {
	storetest.RunPrivacy(t, func(t *testing.T) storetest.PrivacyStore { return openFresh(t) }, dumpTables)
}

// dumpTables reads every table of the store's schema, each value as text.
func dumpTables(t *testing.T, ps storetest.PrivacyStore) []string {
	t.Helper()
	s := ps.(*Store)
	ctx := context.Background()
	rows, err := s.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	var out []string
	for _, tb := range tables {
		// Each row as its text form: every column in one string.
		rows, err := s.pool.Query(ctx, `SELECT t::text FROM "`+tb+`" t`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s: %s", tb, v))
		}
		rows.Close()
	}
	return out
}
