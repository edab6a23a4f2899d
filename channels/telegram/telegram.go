// Package telegram connects the bot to Telegram through the Bot API
// (github.com/go-telegram-bot-api/telegram-bot-api/v5): long polling or a
// webhook in, sendMessage with inline keyboards out.
package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
)

// Name is the channel name used in bot.Message.Channel and the outbox.
const Name = "telegram"

// DefaultAPIURL is the public Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// MaxTextLen is the longest text a single sendMessage accepts (characters,
// counted here as UTF-16 code units to stay on the safe side).
const MaxTextLen = 4096

// maxCallbackData is Telegram's limit on callback_data, in bytes.
const maxCallbackData = 64

// maxBody is the largest webhook body accepted (413 beyond, before the
// body is read when its Content-Length says so). An update carries at most
// a 4,096-character text (24 KB even with every character \u-escaped in
// the JSON) with its entities, and the message it replies to with its own:
// well under 128 KB.
const maxBody = 128 << 10

var secretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Config configures a Telegram channel.
type Config struct {
	Token string // bot token from @BotFather (required)
	// APIURL is the Bot API base URL (default DefaultAPIURL); requests go to
	// APIURL + "/bot<token>/<method>".
	APIURL string
	// WebhookSecret is the secret_token registered with setWebhook and
	// expected in X-Telegram-Bot-Api-Secret-Token. Required for webhook mode.
	WebhookSecret string
	HTTPClient    *http.Client // default: 60 s timeout (must outlast PollTimeout)
	Logger        *slog.Logger // default: slog.Default()
	Audience      bot.Audience // default bot.Client

	PollTimeout time.Duration // long-poll wait per getUpdates (default 25 s, at least 1 s)
	ChatRate    rate.Limit    // messages per second per chat (default 1)
	ChatBurst   int           // default 3
	GlobalRate  rate.Limit    // messages per second overall (default 30)
}

// Channel is the Telegram adapter. It implements bot.Channel and
// bot.Receiver (long polling); WebhookHandler serves webhook mode.
type Channel struct {
	api      *tgbotapi.BotAPI // template; per-call copies carry the ctx
	client   *http.Client
	token    string
	secret   string
	log      *slog.Logger
	audience bot.Audience
	poll     time.Duration

	global    *rate.Limiter
	chatRate  rate.Limit
	chatBurst int

	mu       sync.Mutex
	chats    map[string]*rate.Limiter // per-chat limiters, pruned when idle
	progress map[int64]progress       // parts already delivered per outbox id
}

var (
	_ bot.Channel  = (*Channel)(nil)
	_ bot.Receiver = (*Channel)(nil)
)

// New builds a channel. It does no I/O: call Check to verify the token.
func New(cfg Config) (*Channel, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: token is required")
	}
	if strings.ContainsAny(cfg.Token, "/?#% ") {
		return nil, errors.New("telegram: token has invalid characters")
	}
	if cfg.WebhookSecret != "" && !secretRe.MatchString(cfg.WebhookSecret) {
		return nil, errors.New("telegram: webhook secret must be 1-256 characters of A-Z a-z 0-9 _ -")
	}
	base := strings.TrimRight(cfg.APIURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Audience == "" {
		cfg.Audience = bot.Client
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 25 * time.Second
	}
	// getUpdates takes whole seconds; 0 would mean short polling in a tight loop.
	cfg.PollTimeout = max(cfg.PollTimeout, time.Second)
	if cfg.ChatRate <= 0 {
		cfg.ChatRate = 1
	}
	if cfg.ChatBurst <= 0 {
		cfg.ChatBurst = 3
	}
	if cfg.GlobalRate <= 0 {
		cfg.GlobalRate = 30
	}
	// Built by hand rather than with NewBotAPIWithClient, which calls getMe
	// without a context; Check does that with one.
	api := &tgbotapi.BotAPI{Token: cfg.Token, Client: cfg.HTTPClient, Buffer: 100}
	api.SetAPIEndpoint(base + "/bot%s/%s")
	return &Channel{
		api:       api,
		client:    cfg.HTTPClient,
		token:     cfg.Token,
		secret:    cfg.WebhookSecret,
		log:       cfg.Logger.With("channel", Name),
		audience:  cfg.Audience,
		poll:      cfg.PollTimeout,
		global:    rate.NewLimiter(cfg.GlobalRate, int(cfg.GlobalRate)),
		chatRate:  cfg.ChatRate,
		chatBurst: cfg.ChatBurst,
		chats:     make(map[string]*rate.Limiter),
		progress:  make(map[int64]progress),
	}, nil
}

// Name implements bot.Channel.
func (c *Channel) Name() string { return Name }

// Capabilities implements bot.Channel. Text is sent without parse mode:
// Markdown parse errors would turn a reply into a 400.
func (c *Channel) Capabilities() bot.Capabilities {
	return bot.Capabilities{Buttons: true, MaxLen: MaxTextLen, Markdown: false, Relayable: true}
}

// Check calls getMe to verify the token and the API URL; it returns the
// bot's username.
func (c *Channel) Check(ctx context.Context) (string, error) {
	me, err := c.with(ctx).GetMe()
	if err != nil {
		return "", c.wrap("get me", err)
	}
	return me.UserName, nil
}

// with returns a copy of the SDK client whose requests carry ctx: the SDK
// builds requests without a context, so the HTTPClient adds it.
func (c *Channel) with(ctx context.Context) *tgbotapi.BotAPI {
	api := *c.api
	api.Client = ctxClient{ctx: ctx, c: c.client}
	return &api
}

type ctxClient struct {
	ctx context.Context
	c   *http.Client
}

func (d ctxClient) Do(req *http.Request) (*http.Response, error) {
	return d.c.Do(req.WithContext(d.ctx))
}

// wrap redacts the token and adds the operation to err.
func (c *Channel) wrap(op string, err error) error {
	return fmt.Errorf("telegram: %s: %w", op, redact(err, c.token))
}
