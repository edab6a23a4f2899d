// Package slack puts the bot in Slack (github.com/slack-go/slack) for
// support staff: direct messages and @mentions are staff questions answered
// in a thread (a bot.Channel named "slack"), and an agents channel is the
// inbox of handed-off client conversations (a bot.AgentDesk): one parent
// message per handoff with Take and Resolve buttons, client messages and
// agent replies in its thread.
//
// Slack reaches the bot through the Events API over HTTP (Events and
// Interactions handlers, signed requests) or, without a public URL, through
// Socket Mode (Run).
package slack

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

	"github.com/slack-go/slack"

	"github.com/hexfit/supportbot/bot"
)

// Name is the channel name used in bot.Message.Channel and the outbox.
const Name = "slack"

// DefaultAPIURL is Slack's Web API (slack.OptionAPIURL wants the slash).
const DefaultAPIURL = "https://slack.com/api/"

// Webhook paths the lead mounts the handlers on.
const (
	EventsPath       = "/webhooks/slack/events"
	InteractionsPath = "/webhooks/slack/interactions"
)

// Engine is what the Slack side needs from the conversation engine
// (*bot.Engine): staff questions go to Handle, agent actions to the rest.
// The methods block until the change is committed; ErrConflict means the
// handoff is someone else's or already resolved.
type Engine interface {
	bot.Handler
	Take(ctx context.Context, handoffID int64, agent string) error
	Reply(ctx context.Context, handoffID int64, agent, text string) error
	Note(ctx context.Context, handoffID int64, agent, text string) error
	Resolve(ctx context.Context, handoffID int64, agent string) error
}

var _ Engine = (*bot.Engine)(nil)

// Threads durably maps handoffs to their Slack threads and remembers the
// Slack messages already acted on (bot/store/sqlite implements it).
//
// Methods are called from request handlers and the background worker, from
// any goroutine, and block on I/O until ctx ends. Missing records are
// reported with bot.ErrNotFound.
type Threads interface {
	// SaveSlackThread records the thread of a handoff; saving a handoff
	// again keeps the first thread.
	SaveSlackThread(ctx context.Context, handoffID, convID int64, channel, ts string) error
	SlackThreadByHandoff(ctx context.Context, handoffID int64) (channel, ts string, err error)
	SlackHandoffByThread(ctx context.Context, channel, ts string) (int64, error)
	// SlackThreadByConv returns the thread of a conversation's latest handoff.
	SlackThreadByConv(ctx context.Context, convID int64) (handoffID int64, channel, ts string, err error)
	// MarkSlackEvent records key; first is false when it was recorded before.
	MarkSlackEvent(ctx context.Context, key string, at time.Time) (first bool, err error)
}

// Config configures the Slack app.
type Config struct {
	BotToken      string // xoxb-… (required)
	SigningSecret string // Events API request signing secret (required for Events/Interactions)
	AppToken      string // xapp-… app-level token: Socket Mode (Run)
	// AgentsChannel is the id (C…/G…, not the name) of the channel where
	// handoffs are posted. Required for the agent inbox.
	AgentsChannel string
	// AgentIDs, when set, are the only users who may take, answer and
	// resolve; otherwise any member of AgentsChannel may.
	AgentIDs    []string
	MentionHere bool         // reminders mention @here
	APIURL      string       // default DefaultAPIURL
	HTTPClient  *http.Client // default: 30 s timeout

	// Store holds handoffs, transcripts and contacts (required for the
	// inbox; without it staff threads continue only with a mention).
	Store   bot.Store
	Threads Threads // required for the inbox
	// Knowledge tells intents' kinds, so the parent message names the
	// topic rather than a greeting (optional).
	Knowledge bot.Knowledge

	// TranscriptLines is how many of the last transcript lines the parent
	// message shows (default 6).
	TranscriptLines int
	// MembersTTL is how long the agents channel member list is cached
	// (default 1 minute).
	MembersTTL time.Duration
	// MaxPending bounds the agent-side work queued after Slack was acked
	// (default 512); beyond it requests are refused so Slack retries.
	MaxPending int
	// JobTimeout bounds one queued job (default 30 s).
	JobTimeout time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
}

// Slack is the Slack app: a bot.Channel for staff replies, a bot.AgentDesk
// for the agents channel, the Events API handlers and Socket Mode.
type Slack struct {
	cfg    Config
	api    *slack.Client
	log    *slog.Logger
	agents map[string]bool
	work   *serial

	mu      sync.Mutex
	botUser string    // the bot's own user id (auth.test), "" until known
	members []string  // agents channel members, sorted
	fetched time.Time // when members was fetched
}

var (
	_ bot.Channel   = (*Slack)(nil)
	_ bot.AgentDesk = (*Slack)(nil)
	_ bot.Receiver  = (*Slack)(nil)
)

var channelIDRe = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)

// New checks cfg and returns the app. It does no I/O; Close stops the
// background work.
func New(cfg Config) (*Slack, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slack: bot token is required")
	}
	if cfg.AgentsChannel != "" && !channelIDRe.MatchString(cfg.AgentsChannel) {
		return nil, fmt.Errorf("slack: agents channel must be a channel id such as C0123ABCD, not a name")
	}
	if cfg.AgentsChannel != "" && (cfg.Store == nil || cfg.Threads == nil) {
		return nil, errors.New("slack: the agent inbox needs Store and Threads")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.TranscriptLines <= 0 {
		cfg.TranscriptLines = 6
	}
	if cfg.MembersTTL <= 0 {
		cfg.MembersTTL = time.Minute
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 512
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	opts := []slack.Option{slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	s := &Slack{
		cfg:    cfg,
		api:    slack.New(cfg.BotToken, opts...),
		log:    cfg.Logger.With("channel", Name),
		agents: map[string]bool{},
	}
	for _, id := range cfg.AgentIDs {
		if id = strings.TrimSpace(id); id != "" {
			s.agents[id] = true
		}
	}
	s.work = newSerial(cfg.MaxPending, cfg.JobTimeout, s.log)
	return s, nil
}

// Name implements bot.Channel.
func (s *Slack) Name() string { return Name }

// Capabilities implements bot.Channel: Block Kit buttons, mrkdwn, long
// messages split into sections.
func (s *Slack) Capabilities() bot.Capabilities {
	return bot.Capabilities{Buttons: true, MaxLen: maxReplyLen, Markdown: true, Relayable: true}
}

// Close waits for the queued agent-side work and stops accepting more.
func (s *Slack) Close() error {
	s.work.close()
	return nil
}

// inbox reports whether the agent inbox is configured.
func (s *Slack) inbox() bool { return s.cfg.AgentsChannel != "" }

// self returns the bot's own user id, asking auth.test once.
func (s *Slack) self(ctx context.Context) (string, error) {
	s.mu.Lock()
	id := s.botUser
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	r, err := s.api.AuthTestContext(ctx)
	if err != nil {
		return "", fmt.Errorf("slack: auth.test: %w", err)
	}
	s.mu.Lock()
	s.botUser = r.UserID
	s.mu.Unlock()
	return r.UserID, nil
}
