package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/postgres"
	"github.com/hexfit/supportbot/channels/slack"
	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/webchat/dashboard"
)

// appStore is what serve needs from a store: the bot's state, the
// channels' per-chat state (opt-outs, messaging windows), Slack threads,
// the dashboard's queries, and retention, export and erasure. SQLite and
// PostgreSQL both provide it.
type appStore interface {
	bot.Store
	bot.Privacy
	twilio.Store
	slack.Threads
	dashboard.Store
}

// leader is implemented by stores shared by several instances: singleton
// work (Telegram long polling) runs only where fn holds the lead.
type leader interface {
	Lead(ctx context.Context, name string, retry time.Duration, fn func(ctx context.Context) error) error
}

// openStore opens PostgreSQL when SUPPORTBOT_DATABASE_URL is set (several
// instances share it), else SQLite in the data directory.
func openStore(ctx context.Context, e env, d *dataFlags) (appStore, error) {
	if url := e.getenv("SUPPORTBOT_DATABASE_URL"); url != "" {
		st, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return st, nil
	}
	return d.open(ctx)
}
