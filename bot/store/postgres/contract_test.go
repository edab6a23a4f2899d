package postgres

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hexfit/supportbot/channels/slack"
	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/webchat/dashboard"
)

// The store is a drop-in for the SQLite one where channels need more than
// bot.Store.
var (
	_ twilio.Store    = (*Store)(nil)
	_ slack.Threads   = (*Store)(nil)
	_ dashboard.Store = (*Store)(nil)
)

// TestMigrationsMirrorSQLite: both stores apply the same migration
// versions, so a schema change made to one and not the other fails here.
func TestMigrationsMirrorSQLite(t *testing.T) {
	names := func(dir string) []string {
		t.Helper()
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			if filepath.Ext(e.Name()) == ".sql" {
				out = append(out, e.Name())
			}
		}
		slices.Sort(out)
		return out
	}
	lite, pg := names(filepath.Join("..", "sqlite", "migrations")), names("migrations")
	if !slices.Equal(lite, pg) {
		t.Fatalf("migrations differ:\nsqlite:   %v\npostgres: %v", lite, pg)
	}
}
