package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/hexfit/supportbot/bot"
)

// Reconnect backoff bounds.
const (
	minBackoff = 250 * time.Millisecond
	maxBackoff = time.Minute
)

// handleAttempts bounds redelivery of one gateway event to the handler: the
// gateway does not redeliver, so a failing Handle is retried here.
const handleAttempts = 3

// Run implements bot.Receiver: it connects to the gateway, hands direct
// messages, mentions in the configured guild channels and button presses
// to h, and reconnects (resuming the session when it can) whenever the
// connection drops. It returns nil once ctx ends, after closing the session
// and waiting for in-flight handlers; a rejected token or intent ends it
// with an error.
func (c *Channel) Run(ctx context.Context, h bot.Handler) error {
	if !c.runMu.TryLock() {
		return errors.New("discord: Run already running")
	}
	defer c.runMu.Unlock()

	var inflight tracker
	defer inflight.close()
	lost := make(chan struct{}, 1)
	removers := []func(){
		c.s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
			inflight.do(func() { c.onMessage(ctx, h, m) })
		}),
		c.s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) {
			inflight.do(func() { c.onInteraction(ctx, h, i) })
		}),
		c.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
			select {
			case lost <- struct{}{}:
			default:
			}
		}),
	}
	defer func() {
		for _, r := range removers {
			r()
		}
	}()

	backoff := minBackoff
	for {
		select {
		case <-lost: // stale signal from a previous connection
		default:
		}
		err := c.s.Open()
		if err == nil {
			c.log.InfoContext(ctx, "gateway connected")
			backoff = minBackoff
			select {
			case <-ctx.Done():
				if err := c.s.Close(); err != nil {
					c.log.WarnContext(ctx, "gateway close failed", "err", err)
				}
				return nil
			case <-lost:
				c.log.WarnContext(ctx, "gateway connection lost; reconnecting")
			}
		} else {
			if ctx.Err() != nil {
				return nil
			}
			if fatal(err) {
				return fmt.Errorf("discord: connect gateway: %w", err)
			}
			c.log.WarnContext(ctx, "gateway connect failed", "err", err, "backoff", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			_ = c.s.Close()
			return nil
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// fatal reports connection errors no retry can fix: the token or the
// requested intents were refused.
func fatal(err error) bool {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004, 4010, 4011, 4012, 4013, 4014: // auth failed, shard, API version, intents
			return true
		}
	}
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == 401
}

// self is the bot's user id. discordgo records READY in its state
// synchronously, before any handler of a later event runs.
func (c *Channel) self() string {
	c.s.State.RLock()
	defer c.s.State.RUnlock()
	if c.s.State.User == nil {
		return ""
	}
	return c.s.State.User.ID
}

// tracker lets Run wait for event handlers still running when it stops,
// and refuses new ones from then on.
type tracker struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (t *tracker) do(f func()) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.wg.Add(1)
	t.mu.Unlock()
	defer t.wg.Done()
	f()
}

func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.wg.Wait()
}

// onMessage turns a MESSAGE_CREATE into a bot message: direct messages
// always, guild messages only in configured channels and when they
// mention the bot. The bot's own and other bots' messages are ignored.
func (c *Channel) onMessage(ctx context.Context, h bot.Handler, m *discordgo.MessageCreate) {
	me := c.self()
	if m.Author == nil || m.Author.Bot || m.Author.ID == me || m.Author.ID == "" || m.ID == "" || m.ChannelID == "" {
		return
	}
	text := m.Content
	chat := m.ChannelID
	if m.GuildID != "" {
		if !c.guild[m.ChannelID] || !mentioned(m.Message, me) {
			return
		}
		text = strings.NewReplacer("<@"+me+">", "", "<@!"+me+">", "").Replace(text)
		chat = m.ChannelID + "/" + m.Author.ID
	}
	text = strings.TrimSpace(text)
	media := len(m.Attachments) > 0 || len(m.StickerItems) > 0
	if text == "" && !media {
		return
	}
	c.deliver(ctx, h, bot.Message{
		Channel:     Name,
		ChatID:      chat,
		ContactID:   m.Author.ID,
		DisplayName: displayName(m.Author),
		Text:        text,
		Audience:    c.audience,
		PlatformID:  m.ID,
		Media:       media,
		Time:        m.Timestamp.UTC(),
	})
}

func mentioned(m *discordgo.Message, me string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == me {
			return true
		}
	}
	return false
}

func displayName(u *discordgo.User) string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// onInteraction acknowledges a button press at once with a deferred update
// (Discord allows 3 s) and hands the payload to h.
func (c *Channel) onInteraction(ctx context.Context, h bot.Handler, i *discordgo.InteractionCreate) {
	if i.Type != discordgo.InteractionMessageComponent {
		return
	}
	user := i.User
	if i.Member != nil && i.Member.User != nil {
		user = i.Member.User
	}
	if user == nil || user.ID == "" || i.ID == "" || i.ChannelID == "" {
		return // not a press the bot can answer (found by fuzzing)
	}
	if user.Bot || user.ID == c.self() {
		return // only people press the bot's buttons (found by fuzzing)
	}
	payload := i.MessageComponentData().CustomID
	if payload == "" {
		return // no button of ours: nothing to answer
	}
	ack, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	err := c.s.InteractionRespond(i.Interaction,
		&discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate},
		discordgo.WithContext(ack))
	cancel()
	if err != nil {
		// The interaction token is in the URL; keep it out of the logs.
		c.log.WarnContext(ctx, "interaction ack failed", "interaction", i.ID,
			"err", strings.ReplaceAll(err.Error(), i.Token, "<redacted>"))
	}
	chat := i.ChannelID
	if i.GuildID != "" {
		chat = i.ChannelID + "/" + user.ID
	}
	c.deliver(ctx, h, bot.Message{
		Channel:     Name,
		ChatID:      chat,
		ContactID:   user.ID,
		DisplayName: displayName(user),
		Payload:     payload,
		Locale:      string(i.Locale),
		Audience:    c.audience,
		PlatformID:  "ix:" + i.ID,
		Time:        time.Now().UTC(),
	})
}

// deliver calls h, retrying a few times: unlike webhooks, the gateway never
// redelivers an event.
func (c *Channel) deliver(ctx context.Context, h bot.Handler, m bot.Message) {
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := h.Handle(ctx, m)
		if err == nil || errors.Is(err, bot.ErrDuplicate) {
			return
		}
		if attempt == handleAttempts || ctx.Err() != nil {
			c.log.ErrorContext(ctx, "message dropped: handler failed", "platform_id", m.PlatformID, "err", err)
			return
		}
		c.log.WarnContext(ctx, "handler failed; retrying", "platform_id", m.PlatformID, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		wait *= 4
	}
}
