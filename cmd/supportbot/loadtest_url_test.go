package main

import "testing"

func TestAdminURLDropsPoolParameters(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
		{"postgres://postgres@127.0.0.1:5432/test?pool_max_conns=8&sslmode=disable&pool_min_conns=2",
			"postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
		{"postgres:///test?host=/var/run/postgresql&pool_max_conns=8", "postgres:///test?host=%2Fvar%2Frun%2Fpostgresql"},
	}
	for _, tc := range tests {
		if got := adminURL(tc.in); got != tc.want {
			t.Errorf("adminURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
