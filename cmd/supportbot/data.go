package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
)

// dataFlags locate the database shared by the bot, the agent console and
// the reports.
type dataFlags struct {
	dir string
	e   env
}

func (d *dataFlags) register(fs *flag.FlagSet, e env) {
	d.e = e
	fs.StringVar(&d.dir, "data", e.getenv("SUPPORTBOT_DATA_DIR"),
		"data directory holding the database (env SUPPORTBOT_DATA_DIR; default $XDG_DATA_HOME/supportbot or ~/.local/share/supportbot)")
}

// path resolves the data directory.
func (d *dataFlags) path() (string, error) {
	if d.dir != "" {
		return d.dir, nil
	}
	if x := d.e.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "supportbot"), nil
	}
	if h := d.e.getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "supportbot"), nil
	}
	return "", fmt.Errorf("no data directory: pass --data DIR or set SUPPORTBOT_DATA_DIR: %w", errUsage)
}

func (d *dataFlags) open(ctx context.Context) (*sqlite.Store, error) {
	dir, err := d.path()
	if err != nil {
		return nil, err
	}
	st, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return st, nil
}

// engineFlags are the conversation settings shared by the bot and the agent
// console (both build an engine on the same database).
type engineFlags struct {
	tz, hours   string
	queueNotice time.Duration
	rateLimit   rateFlag
	rateBurst   int
	envErr      error // an invalid SUPPORTBOT_RATE_* value
}

func (f *engineFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&f.tz, "tz", orEnv(e, "SUPPORTBOT_TZ", "UTC"), "time zone of the business hours (env SUPPORTBOT_TZ)")
	fs.StringVar(&f.hours, "hours", e.getenv("SUPPORTBOT_HOURS"),
		`agents' weekly schedule, e.g. "mon-fri 09:00-18:00; sat 10:00-14:00" (env SUPPORTBOT_HOURS; default: always open)`)
	qn := 10 * time.Minute
	if v := e.getenv("SUPPORTBOT_QUEUE_NOTICE"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			qn = d
		}
	}
	fs.DurationVar(&f.queueNotice, "queue-notice", qn, "tell a queued client the team will follow up after this long (env SUPPORTBOT_QUEUE_NOTICE)")
	f.rateLimit, f.rateBurst = rateFlag(bot.DefaultRateLimit), bot.DefaultRateBurst
	if v := e.getenv("SUPPORTBOT_RATE_LIMIT"); v != "" {
		if err := f.rateLimit.Set(v); err != nil {
			f.envErr = fmt.Errorf("SUPPORTBOT_RATE_LIMIT=%q: %w", v, err)
		}
	}
	if v := e.getenv("SUPPORTBOT_RATE_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.envErr = fmt.Errorf("SUPPORTBOT_RATE_BURST=%q: want a number of messages", v)
		}
		f.rateBurst = n
	}
	fs.Var(&f.rateLimit, "rate-limit",
		"messages per second one contact may send; faster ones are stored for agents but not answered (env SUPPORTBOT_RATE_LIMIT; off: no limit)")
	fs.IntVar(&f.rateBurst, "rate-burst", f.rateBurst, "messages one contact may send at once within the rate limit (env SUPPORTBOT_RATE_BURST)")
}

// rateFlag is a messages-per-second limit; "off", 0 or negative: none.
type rateFlag float64

func (r *rateFlag) String() string {
	if *r <= 0 {
		return "off"
	}
	return strconv.FormatFloat(float64(*r), 'g', -1, 64)
}

func (r *rateFlag) Set(v string) error {
	if v == "off" {
		*r = -1
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("want messages per second, or off")
	}
	*r = rateFlag(f)
	return nil
}

func (f *engineFlags) config() (bot.Config, error) {
	cfg := bot.Config{QueueNotice: f.queueNotice, RateLimit: rate.Limit(f.rateLimit), RateBurst: f.rateBurst}
	if f.envErr != nil {
		return cfg, errors.Join(f.envErr, errUsage)
	}
	if f.rateLimit > 0 && f.rateBurst < 1 {
		return cfg, fmt.Errorf("--rate-burst %d: want at least 1: %w", f.rateBurst, errUsage)
	}
	if f.hours != "" {
		h, err := bot.ParseHours(f.tz, f.hours)
		if err != nil {
			return cfg, errors.Join(err, errUsage)
		}
		cfg.Hours = h
	}
	return cfg, nil
}

func orEnv(e env, key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}
