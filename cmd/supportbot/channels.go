package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/discord"
	"github.com/hexfit/supportbot/channels/slack"
	"github.com/hexfit/supportbot/channels/telegram"
	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/webchat"
)

// channelDeps is what every adapter may need from the process.
type channelDeps struct {
	store   appStore
	log     *slog.Logger
	http    *http.Client
	dataDir string                      // web chat secret
	reload  func(context.Context) error // content reload for the dashboard
	kb      bot.Knowledge               // the live knowledge base, for the desks
	desk    bot.DeskRedactor            // Slack copies an erasure replaces (nil: none)
	limits  httpLimits                  // the web chat's stream caps
}

// route is a webhook endpoint; it needs the engine to hand messages to.
type route struct {
	pattern string
	handler func(e *bot.Engine) http.Handler
}

// receiver is a loop that pulls messages (long polling, a gateway, a socket).
type receiver struct {
	name string
	run  func(ctx context.Context, e *bot.Engine) error
}

// channelSet is every adapter switched on by its credentials.
type channelSet struct {
	channels  []bot.Channel
	receivers []receiver
	routes    []route
	desk      *slack.Slack // the agent inbox, when Slack is configured
	web       *webchat.Channel
	closers   []func() error
}

// pull adapts a bot.Receiver to a receiver.
func pull(name string, r bot.Receiver) receiver {
	return receiver{name, func(ctx context.Context, e *bot.Engine) error { return r.Run(ctx, e) }}
}

// handles adapts a handler constructor taking a bot.Handler to a route.
func handles(pattern string, f func(h bot.Handler) http.Handler) route {
	return route{pattern, func(e *bot.Engine) http.Handler { return f(e) }}
}

// envRate reads a positive messages-per-second limit; unset is 0 (the
// channel's default).
func envRate(e env, key string) (rate.Limit, error) {
	v := e.getenv(key)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number of messages per second: %w", key, v, errUsage)
	}
	return rate.Limit(f), nil
}

// splitList reads a comma-separated list, skipping blanks.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// buildChannels turns on each platform whose credentials are set. It makes
// no network calls except registering the Telegram webhook.
func buildChannels(ctx context.Context, e env, d channelDeps) (channelSet, error) {
	var set channelSet
	public := strings.TrimRight(e.getenv("SUPPORTBOT_PUBLIC_URL"), "/")

	if tok := e.getenv("SUPPORTBOT_TELEGRAM_TOKEN"); tok != "" {
		secret := e.getenv("SUPPORTBOT_TELEGRAM_WEBHOOK_SECRET")
		global, err := envRate(e, "SUPPORTBOT_TELEGRAM_RATE")
		if err != nil {
			return set, err
		}
		perChat, err := envRate(e, "SUPPORTBOT_TELEGRAM_CHAT_RATE")
		if err != nil {
			return set, err
		}
		tg, err := telegram.New(telegram.Config{Token: tok, APIURL: e.getenv("SUPPORTBOT_TELEGRAM_API_URL"),
			WebhookSecret: secret, HTTPClient: d.http, Logger: d.log, GlobalRate: global, ChatRate: perChat})
		if err != nil {
			return set, err
		}
		set.channels = append(set.channels, tg)
		if secret != "" {
			if public == "" {
				return set, fmt.Errorf("telegram webhook mode needs SUPPORTBOT_PUBLIC_URL: %w", errUsage)
			}
			if err := tg.SetWebhook(ctx, public+"/webhooks/telegram"); err != nil {
				return set, err
			}
			set.routes = append(set.routes, handles("POST /webhooks/telegram", tg.WebhookHandler))
		} else {
			poll := pull("telegram", tg)
			if l, ok := d.store.(leader); ok {
				// Telegram allows one getUpdates consumer per bot: only the
				// instance holding the lead polls.
				run := poll.run
				poll.run = func(ctx context.Context, e *bot.Engine) error {
					return l.Lead(ctx, "telegram-poll", 2*time.Second, func(ctx context.Context) error { return run(ctx, e) })
				}
			}
			set.receivers = append(set.receivers, poll)
		}
	}

	if sid := e.getenv("SUPPORTBOT_TWILIO_ACCOUNT_SID"); sid != "" {
		if public == "" {
			return set, fmt.Errorf("twilio needs SUPPORTBOT_PUBLIC_URL to check webhook signatures: %w", errUsage)
		}
		tw, err := twilio.New(twilio.Config{AccountSID: sid, AuthToken: e.getenv("SUPPORTBOT_TWILIO_AUTH_TOKEN"),
			SMSFrom: e.getenv("SUPPORTBOT_TWILIO_SMS_FROM"), WhatsAppFrom: e.getenv("SUPPORTBOT_TWILIO_WHATSAPP_FROM"),
			PublicURL: public, APIURL: e.getenv("SUPPORTBOT_TWILIO_API_URL"), HTTPClient: d.http, Logger: d.log, Store: d.store})
		if err != nil {
			return set, err
		}
		set.channels = append(set.channels, tw.Channels()...)
		set.routes = append(set.routes, handles("POST "+twilio.WebhookPath, func(h bot.Handler) http.Handler { return tw.Webhook(h) }))
	}

	if tok := e.getenv("SUPPORTBOT_DISCORD_TOKEN"); tok != "" {
		dc, err := discord.New(discord.Config{Token: tok, APIURL: e.getenv("SUPPORTBOT_DISCORD_API_URL"),
			GuildChannels: splitList(e.getenv("SUPPORTBOT_DISCORD_CHANNELS")), HTTPClient: d.http, Logger: d.log})
		if err != nil {
			return set, err
		}
		set.channels = append(set.channels, dc)
		set.receivers = append(set.receivers, pull("discord", dc))
	}

	if tok := e.getenv("SUPPORTBOT_SLACK_BOT_TOKEN"); tok != "" {
		app, err := slack.New(slack.Config{BotToken: tok, SigningSecret: e.getenv("SUPPORTBOT_SLACK_SIGNING_SECRET"),
			AppToken: e.getenv("SUPPORTBOT_SLACK_APP_TOKEN"), AgentsChannel: e.getenv("SUPPORTBOT_SLACK_AGENTS_CHANNEL"),
			AgentIDs: splitList(e.getenv("SUPPORTBOT_SLACK_AGENT_IDS")), MentionHere: e.getenv("SUPPORTBOT_SLACK_MENTION_HERE") == "true",
			APIURL: e.getenv("SUPPORTBOT_SLACK_API_URL"), HTTPClient: d.http, Store: d.store, Threads: d.store, Knowledge: d.kb, Logger: d.log})
		if err != nil {
			return set, err
		}
		set.channels = append(set.channels, app)
		set.closers = append(set.closers, app.Close)
		if e.getenv("SUPPORTBOT_SLACK_AGENTS_CHANNEL") != "" {
			set.desk = app
		}
		if e.getenv("SUPPORTBOT_SLACK_APP_TOKEN") != "" {
			set.receivers = append(set.receivers, receiver{"slack", func(ctx context.Context, e *bot.Engine) error { return app.RunSocket(ctx, e) }})
		} else {
			set.routes = append(set.routes,
				route{"POST " + slack.EventsPath, func(e *bot.Engine) http.Handler { return app.Events(e) }},
				route{"POST " + slack.InteractionsPath, func(e *bot.Engine) http.Handler { return app.Interactions(e) }})
		}
	}

	if set.desk != nil {
		d.desk = set.desk
	}
	web, webRoutes, err := buildWeb(e, d, d.dataDir, d.reload)
	if err != nil {
		return set, err
	}
	if web != nil {
		set.web = web
		set.channels = append(set.channels, web)
	}
	set.routes = append(set.routes, webRoutes...)
	return set, nil
}
