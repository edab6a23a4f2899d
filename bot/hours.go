package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// BusinessHours is when human agents are in: a weekly schedule in a time
// zone.
type BusinessHours struct {
	Loc  *time.Location
	Week [7][]Span // indexed by time.Weekday
}

// Span is an opening interval within a day, in minutes since midnight.
type Span struct{ Start, End int }

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseHours reads a schedule such as "mon-fri 09:00-18:00; sat 10:00-14:00"
// in an IANA time zone such as "Europe/Madrid".
func ParseHours(tz, spec string) (*BusinessHours, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("business hours: time zone %q: %w", tz, err)
	}
	b := &BusinessHours{Loc: loc}
	for _, part := range strings.Split(spec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Fields(strings.ToLower(part))
		if len(f) < 2 {
			return nil, fmt.Errorf("business hours: %q: want DAYS HH:MM-HH:MM", part)
		}
		days, err := parseDays(f[0])
		if err != nil {
			return nil, err
		}
		for _, r := range f[1:] {
			sp, err := parseSpan(strings.TrimSuffix(r, ","))
			if err != nil {
				return nil, err
			}
			for _, d := range days {
				b.Week[d] = append(b.Week[d], sp)
			}
		}
	}
	return b, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	var out []time.Weekday
	for _, p := range strings.Split(s, ",") {
		from, to, rng := strings.Cut(p, "-")
		a, ok := dayNames[from]
		if !ok {
			return nil, fmt.Errorf("business hours: unknown day %q (want mon..sun)", from)
		}
		if !rng {
			out = append(out, a)
			continue
		}
		z, ok := dayNames[to]
		if !ok {
			return nil, fmt.Errorf("business hours: unknown day %q (want mon..sun)", to)
		}
		for d := a; ; d = (d + 1) % 7 {
			out = append(out, d)
			if d == z {
				break
			}
		}
	}
	return out, nil
}

func parseSpan(s string) (Span, error) {
	a, z, ok := strings.Cut(s, "-")
	if !ok {
		return Span{}, fmt.Errorf("business hours: %q: want HH:MM-HH:MM", s)
	}
	start, err1 := parseClock(a)
	end, err2 := parseClock(z)
	if err1 != nil || err2 != nil || end <= start {
		return Span{}, fmt.Errorf("business hours: bad interval %q", s)
	}
	return Span{start, end}, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok {
		return 0, fmt.Errorf("bad time %q", s)
	}
	hh, err := strconv.Atoi(h)
	if err != nil || hh < 0 || hh > 24 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	mm, err := strconv.Atoi(m)
	if err != nil || mm < 0 || mm > 59 || hh*60+mm > 24*60 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return hh*60 + mm, nil
}

// Open reports whether agents are in at t. A nil schedule is always open.
func (b *BusinessHours) Open(t time.Time) bool {
	if b == nil {
		return true
	}
	lt := t.In(b.Loc)
	min := lt.Hour()*60 + lt.Minute()
	for _, sp := range b.Week[lt.Weekday()] {
		if min >= sp.Start && min < sp.End {
			return true
		}
	}
	return false
}

// NextOpen returns the next opening time at or after t, in the schedule's
// zone (ok=false when the schedule has no opening at all).
func (b *BusinessHours) NextOpen(t time.Time) (time.Time, bool) {
	if b == nil {
		return t, true
	}
	lt := t.In(b.Loc)
	for i := 0; i <= 7; i++ {
		day := lt.AddDate(0, 0, i)
		midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, b.Loc)
		best := -1
		for _, sp := range b.Week[day.Weekday()] {
			at := midnight.Add(time.Duration(sp.Start) * time.Minute)
			if at.Before(lt) {
				continue
			}
			if best < 0 || sp.Start < best {
				best = sp.Start
			}
		}
		if best >= 0 {
			return midnight.Add(time.Duration(best) * time.Minute), true
		}
	}
	return time.Time{}, false
}

// formatWhen renders an opening time for the handoff_offhours {when}
// placeholder from the ui strings "when" (with {day}, {time}, {zone}) and
// "weekdays" (Sunday first): "on Monday at 09:00 (Europe/Madrid)".
func formatWhen(k Knowledge, l Lang, t time.Time) string {
	day := t.Weekday().String()
	if names := k.List(l, "weekdays"); len(names) == 7 {
		day = names[t.Weekday()]
	}
	return k.Text(l, "when", map[string]string{"day": day, "time": t.Format("15:04"), "zone": t.Location().String()})
}
