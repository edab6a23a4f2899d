// Package discord connects the bot to Discord through a gateway bot
// (github.com/bwmarrin/discordgo): direct messages and mentions in
// configured guild channels in, messages with button components out.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/hexfit/supportbot/bot"
)

// Name is the channel name used in bot.Message.Channel and the outbox.
const Name = "discord"

// DefaultAPIURL is the host discordgo's endpoints point at.
const DefaultAPIURL = "https://discord.com"

// MaxTextLen is the longest message content Discord accepts.
const MaxTextLen = 2000

// Component limits.
const (
	maxCustomID   = 100
	maxLabel      = 80
	buttonsPerRow = 5
	maxRows       = 5
)

// Intents: guild metadata, guild and direct messages, and their content
// (privileged; must be enabled in the developer portal).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
	discordgo.IntentsDirectMessages | discordgo.IntentMessageContent

// Config configures a Discord channel.
type Config struct {
	Token string // bot token, without the "Bot " prefix (required)
	// APIURL replaces scheme and host of discordgo's REST endpoints
	// (default DefaultAPIURL). The gateway URL comes from GET /gateway.
	APIURL string
	// GuildChannels are the guild channel ids where mentions of the bot are
	// answered; direct messages are always answered.
	GuildChannels []string
	HTTPClient    *http.Client // default: 20 s timeout
	Logger        *slog.Logger // default: slog.Default()
	Audience      bot.Audience // default bot.Client
	// MaxRestRetries bounds discordgo's own retries of 502s (default 1);
	// 429s are never retried inside the SDK but returned to the outbox.
	MaxRestRetries int
}

// Channel is the Discord adapter; it implements bot.Channel and
// bot.Receiver (the gateway connection).
type Channel struct {
	s        *discordgo.Session
	log      *slog.Logger
	audience bot.Audience
	guild    map[string]bool

	runMu sync.Mutex // one Run at a time

	mu       sync.Mutex
	progress map[int64]progress
}

var (
	_ bot.Channel  = (*Channel)(nil)
	_ bot.Receiver = (*Channel)(nil)
)

// New builds a channel. It does no I/O; Run connects.
func New(cfg Config) (*Channel, error) {
	if cfg.Token == "" {
		return nil, errors.New("discord: token is required")
	}
	base := strings.TrimRight(cfg.APIURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("discord: API URL must be an absolute http(s) URL")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Audience == "" {
		cfg.Audience = bot.Client
	}
	if cfg.MaxRestRetries <= 0 {
		cfg.MaxRestRetries = 1
	}
	client := *cfg.HTTPClient
	client.Transport = &rewriter{base: u, next: transportOf(cfg.HTTPClient)}

	s, err := discordgo.New("Bot " + cfg.Token)
	if err != nil {
		return nil, err
	}
	s.Client = &client
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	s.Identify.Intents = Intents
	s.ShouldRetryOnRateLimit = false
	s.MaxRestRetries = cfg.MaxRestRetries
	// Run reconnects itself: discordgo's own loop cannot be stopped by Close.
	s.ShouldReconnectOnError = false
	s.StateEnabled = false

	guild := make(map[string]bool, len(cfg.GuildChannels))
	for _, id := range cfg.GuildChannels {
		guild[id] = true
	}
	return &Channel{
		s:        s,
		log:      cfg.Logger.With("channel", Name),
		audience: cfg.Audience,
		guild:    guild,
		progress: make(map[int64]progress),
	}, nil
}

// Name implements bot.Channel.
func (c *Channel) Name() string { return Name }

// Capabilities implements bot.Channel.
func (c *Channel) Capabilities() bot.Capabilities {
	return bot.Capabilities{Buttons: true, MaxLen: MaxTextLen, Markdown: true, Relayable: true}
}

// rewriter sends discordgo's requests for discord.com to the configured
// base URL instead: the SDK builds endpoints from package-level variables,
// which must not be mutated at run time.
type rewriter struct {
	base *url.URL
	next http.RoundTripper
}

func (r *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "discord.com" || (r.base.Scheme == "https" && r.base.Host == "discord.com" && r.base.Path == "") {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme = r.base.Scheme
	out.URL.Host = r.base.Host
	out.URL.Path = strings.TrimRight(r.base.Path, "/") + req.URL.Path
	out.URL.RawPath = ""
	out.Host = ""
	return r.next.RoundTrip(out)
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// Check verifies the token and the API URL (GET /users/@me) and returns the
// bot's username.
func (c *Channel) Check(ctx context.Context) (string, error) {
	u, err := c.s.User("@me", discordgo.WithContext(ctx))
	if err != nil {
		return "", fmt.Errorf("discord: check token: %w", err)
	}
	return u.Username, nil
}
