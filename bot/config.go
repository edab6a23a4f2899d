package bot

import (
	"errors"
	"log/slog"
	"time"

	"golang.org/x/time/rate"
)

// Suggested per-contact rate limit: a person typing fast stays well
// inside it, a script or a stuck client does not.
const (
	DefaultRateLimit rate.Limit = 1 // messages per second, sustained
	DefaultRateBurst            = 8 // messages at once
)

// Config wires an Engine. Store, Matcher and Knowledge are required.
type Config struct {
	Store     Store
	Matcher   Matcher
	Knowledge Knowledge
	// Channels declares each channel's Capabilities by name. A conversation
	// remembers its channel's Capabilities, so a process that does not run
	// the channel (the console agent) still renders replies for it.
	Channels map[string]Capabilities
	Desk     AgentDesk      // agent side notifications; nil: none
	Hours    *BusinessHours // nil: agents are always in
	// QueueNotice is how long a handoff may wait for an agent before the
	// client is told the team will follow up (default 10 minutes).
	QueueNotice time.Duration
	// Topics are the buttons offered with the welcome (default: the
	// knowledge base's topics).
	Topics []Intent
	// MaxTextLen is the longest text the matcher reads, in runes; longer
	// messages are cut and the client is told (default 2000).
	MaxTextLen int
	// NextBest is the confidence a runner-up intent needs to be offered
	// after "no" (default 0.2).
	NextBest float64
	// LangSwitch is the language confidence needed to switch a contact's
	// remembered language from what they wrote (default 0.8).
	LangSwitch float64
	// CacheSize bounds the conversations kept in memory between messages
	// (default 50,000; negative: none, every message reads the store).
	CacheSize int
	// RateLimit is how many messages per second one contact may send in
	// bot mode, with bursts of RateBurst (default DefaultRateBurst). Past
	// it the messages are stored, so agents see them, but not answered; the
	// first of a flood gets a notice. Messages relayed to an agent are never
	// limited. Zero or negative: no limit (the console and tests); serve
	// defaults to DefaultRateLimit.
	RateLimit rate.Limit
	RateBurst int
	Observer  Observer // measurements; nil: none
	// Courier is the dispatcher of this process, told of every commit that
	// queued replies; nil when the process sends nothing (replies are then
	// claimed by the processes that do).
	Courier Courier
	Now     func() time.Time
	Logger  *slog.Logger
}

func (c *Config) defaults() error {
	if c.Store == nil || c.Matcher == nil || c.Knowledge == nil {
		return errors.New("engine: Store, Matcher and Knowledge are required")
	}
	if c.QueueNotice <= 0 {
		c.QueueNotice = 10 * time.Minute
	}
	if c.MaxTextLen <= 0 {
		c.MaxTextLen = 2000
	}
	if c.NextBest <= 0 {
		c.NextBest = 0.2
	}
	if c.LangSwitch <= 0 {
		c.LangSwitch = 0.8
	}
	if c.CacheSize == 0 {
		c.CacheSize = 50_000
	}
	if c.RateBurst <= 0 {
		c.RateBurst = DefaultRateBurst
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}
