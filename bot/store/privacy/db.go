// Package privacy is the SQL of bot.Privacy, shared by the SQLite and
// PostgreSQL stores (their schemas are the same): export, erasure and
// purge of a contact's data, and the preferences that survive them.
//
// Queries are written with ? placeholders; the PostgreSQL store's Tx
// numbers them. Every function runs inside the caller's transaction.
package privacy

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Tx is one transaction of a store.
type Tx interface {
	Query(ctx context.Context, q string, args ...any) (Rows, error)
	// Exec returns the number of rows affected.
	Exec(ctx context.Context, q string, args ...any) (int64, error)
}

// Rows is a query result (pgx.Rows satisfies it; database/sql's needs
// SQLRows).
type Rows interface {
	Next() bool
	Scan(dst ...any) error
	Err() error
	Close()
}

// Dialect is what differs between the stores.
type Dialect struct {
	// Lock is appended to the selection of the conversations an erasure
	// or a purge changes: " FOR UPDATE" on PostgreSQL, so concurrent
	// commits wait and then fail their version check; "" on SQLite, whose
	// single writer already serialises them.
	Lock string
	// LockSkip is Lock for a purge, which may pass over a conversation
	// being written right now (it is active).
	LockSkip string
}

// Numbered rewrites ? placeholders as $1, $2… (PostgreSQL). The queries
// of this package hold no ? in literals.
func Numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// in returns "?, ?, …" for n values.
func in(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// collect runs q and scans every row with scan.
func collect(ctx context.Context, tx Tx, q string, args []any, scan func(Rows) error) error {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ids runs q, which selects one integer column.
func ids(ctx context.Context, tx Tx, q string, args ...any) ([]int64, error) {
	var out []int64
	err := collect(ctx, tx, q, args, func(r Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	})
	return out, err
}

// when converts stored Unix milliseconds (0: never) to a time for JSON.
func when(v int64) *time.Time {
	if v == 0 {
		return nil
	}
	t := time.UnixMilli(v).UTC()
	return &t
}

// flag scans a boolean stored as INTEGER (SQLite) or BOOLEAN (PostgreSQL).
type flag bool

func (f *flag) Scan(v any) error {
	switch x := v.(type) {
	case bool:
		*f = flag(x)
	case int64:
		*f = x != 0
	case nil:
		*f = false
	default:
		return fmt.Errorf("privacy: scan %T as a boolean", v)
	}
	return nil
}
