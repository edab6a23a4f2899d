package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// retention is serve's purge of idle conversations (SUPPORTBOT_RETENTION).
type retention struct {
	after time.Duration // 0: off
	store bot.Privacy
	desk  bot.DeskRedactor // nil: no agent desk keeps copies
	log   *slog.Logger
}

// parseRetention reads SUPPORTBOT_RETENTION / --retention: "" or "off",
// or a duration such as 90d.
func parseRetention(v string) (time.Duration, error) {
	if v == "" || v == "off" {
		return 0, nil
	}
	d, err := parseSince(v)
	if err != nil {
		return 0, fmt.Errorf("retention %q: %v, or off: %w", v, err, errUsage)
	}
	return d, nil
}

// every is how often the purge runs: hourly (so at least daily however
// long a run is refused), more often for a retention under four hours.
func (r retention) every() time.Duration {
	return min(time.Hour, max(r.after/4, 100*time.Millisecond))
}

// run purges at start and then every r.every() until ctx ends.
func (r retention) run(ctx context.Context) error {
	if r.after <= 0 {
		return nil
	}
	tk := time.NewTicker(r.every())
	defer tk.Stop()
	for {
		r.once(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
	}
}

// once purges what is past the retention and redacts the desk's copies;
// failures are logged and retried at the next tick.
func (r retention) once(ctx context.Context) {
	rm, err := r.store.Purge(ctx, time.Now().Add(-r.after), false)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("retention: purge failed", "err", err)
		}
		return
	}
	if rm.Empty() {
		return
	}
	r.log.Info("retention: purged", "conversations", rm.Conversations, "messages", rm.Messages, "contacts", rm.Contacts,
		"desk_threads", len(rm.DeskThreads))
	if r.desk != nil && len(rm.DeskThreads) > 0 {
		if err := r.desk.Redact(ctx, rm.DeskThreads); err != nil {
			r.log.Warn("retention: desk copies not all replaced", "err", err)
		}
	}
}

// logRetention says at start whether serve removes old conversations.
func logRetention(log *slog.Logger, after time.Duration) {
	if after <= 0 {
		log.Info("retention off: conversations are kept until erased (set SUPPORTBOT_RETENTION, e.g. 90d)")
		return
	}
	log.Info("retention on: content of conversations idle longer than this is removed", "retention", after.String(),
		"check_every", retention{after: after}.every().String())
}
