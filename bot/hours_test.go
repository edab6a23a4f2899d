package bot_test

import (
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

func TestBusinessHours(t *testing.T) {
	b, err := bot.ParseHours("Europe/Paris", "mon-fri 09:00-12:30, 14:00-18:00; sat 10:00-13:00")
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	at := func(day, h, m int) time.Time { return time.Date(2026, 3, day, h, m, 0, 0, paris) } // 2 March 2026 is a Monday
	tests := []struct {
		name string
		t    time.Time
		open bool
		next time.Time
	}{
		{"monday morning", at(2, 9, 0), true, at(2, 9, 0)},
		{"lunch break", at(2, 13, 0), false, at(2, 14, 0)},
		{"friday evening", at(6, 18, 0), false, at(7, 10, 0)},
		{"saturday afternoon", at(7, 15, 0), false, at(9, 9, 0)},
		{"sunday, in UTC", at(8, 12, 0).UTC(), false, at(9, 9, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.Open(tc.t); got != tc.open {
				t.Fatalf("Open = %v, want %v", got, tc.open)
			}
			next, ok := b.NextOpen(tc.t)
			if !ok || !next.Equal(tc.next) {
				t.Fatalf("NextOpen = %v, want %v", next, tc.next)
			}
		})
	}
	var always *bot.BusinessHours
	if !always.Open(at(8, 3, 0)) {
		t.Fatal("no schedule should mean always open")
	}
	for _, bad := range []string{"mon 9-18", "funday 09:00-10:00", "mon 18:00-09:00", "mon"} {
		if _, err := bot.ParseHours("UTC", bad); err == nil {
			t.Errorf("ParseHours(%q) accepted", bad)
		}
	}
	if _, err := bot.ParseHours("Mars/Olympus", "mon 09:00-10:00"); err == nil {
		t.Error("unknown zone accepted")
	}
}
