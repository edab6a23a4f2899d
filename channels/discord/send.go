package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/hexfit/supportbot/bot"
)

// progress remembers how many parts of a split reply went out, so that a
// retried outbox row does not repeat them.
type progress struct {
	sent   int
	lastID string
}

// Send implements bot.Channel. ChatID is a channel id (direct messages) or
// "channel/user" (a guild channel: the reply mentions that user only). The
// text is split at MaxTextLen and the buttons go on the last part. It
// returns the id of the last message.
func (c *Channel) Send(ctx context.Context, o bot.Outbound) (string, error) {
	channelID, userID, _ := strings.Cut(o.ChatID, "/")
	if channelID == "" {
		return "", fmt.Errorf("discord: send reply: empty chat id: %w", bot.ErrPermanent)
	}
	comps, err := components(o.Reply.Buttons)
	if err != nil {
		return "", fmt.Errorf("discord: send reply: %v: %w", err, bot.ErrPermanent)
	}
	prefix := ""
	// No @everyone, roles or stray user pings from the text itself.
	mentions := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	if userID != "" {
		prefix = "<@" + userID + "> "
		mentions.Users = []string{userID}
	}
	parts := split(o.Reply.Text, MaxTextLen-textLen(prefix), utf16Units)
	if parts[0] == "" {
		return "", fmt.Errorf("discord: send reply: empty text: %w", bot.ErrPermanent)
	}

	p := c.progressOf(o.ID)
	for i := p.sent; i < len(parts); i++ {
		ms := &discordgo.MessageSend{Content: prefix + parts[i], AllowedMentions: mentions}
		if i == len(parts)-1 {
			ms.Components = comps
		}
		msg, err := c.s.ChannelMessageSendComplex(channelID, ms, discordgo.WithContext(ctx))
		if err != nil {
			err = classify(fmt.Errorf("discord: send reply: %w", err))
			if errors.Is(err, bot.ErrPermanent) {
				p = progress{}
			}
			c.saveProgress(o.ID, p)
			return "", err
		}
		p = progress{sent: i + 1, lastID: msg.ID}
	}
	c.saveProgress(o.ID, progress{})
	return p.lastID, nil
}

// components lays buttons out in action rows of up to five.
func components(buttons []bot.Button) ([]discordgo.MessageComponent, error) {
	if len(buttons) > buttonsPerRow*maxRows {
		return nil, fmt.Errorf("%d buttons, at most %d fit", len(buttons), buttonsPerRow*maxRows)
	}
	var rows []discordgo.MessageComponent
	var row discordgo.ActionsRow
	for i, b := range buttons {
		if b.Label == "" || utf8.RuneCountInString(b.Label) > maxLabel {
			return nil, fmt.Errorf("button label must be 1-%d characters", maxLabel)
		}
		if b.Payload == "" || utf8.RuneCountInString(b.Payload) > maxCustomID {
			return nil, fmt.Errorf("button payload must be 1-%d characters", maxCustomID)
		}
		style := discordgo.SecondaryButton
		if i == 0 {
			style = discordgo.PrimaryButton
		}
		row.Components = append(row.Components, discordgo.Button{Label: b.Label, CustomID: b.Payload, Style: style})
		if len(row.Components) == buttonsPerRow {
			rows = append(rows, row)
			row = discordgo.ActionsRow{}
		}
	}
	if len(row.Components) > 0 {
		rows = append(rows, row)
	}
	return rows, nil
}

// classify maps REST failures to the outbox contract: a 429 waits for
// retry_after; 400, 403 and 404 (bad form, DMs closed, unknown channel) are
// final; 401 (a token being fixed), 5xx and network errors are retried.
func classify(err error) error {
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) {
		var after time.Duration
		if rl.TooManyRequests != nil {
			after = rl.RetryAfter
		}
		return &bot.RetryAfterError{After: after, Err: err}
	}
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return err
	}
	switch code := re.Response.StatusCode; {
	case code == http.StatusTooManyRequests:
		return &bot.RetryAfterError{After: headerRetryAfter(re.Response.Header), Err: err}
	case code == http.StatusBadRequest || code == http.StatusForbidden || code == http.StatusNotFound:
		return fmt.Errorf("%w: %w", err, bot.ErrPermanent)
	}
	return err
}

// headerRetryAfter reads Retry-After (seconds, possibly fractional).
func headerRetryAfter(h http.Header) time.Duration {
	for _, k := range []string{"X-RateLimit-Reset-After", "Retry-After"} {
		if f, err := strconv.ParseFloat(h.Get(k), 64); err == nil && f > 0 {
			return time.Duration(f * float64(time.Second))
		}
	}
	return 0
}

func (c *Channel) progressOf(id int64) progress {
	if id == 0 {
		return progress{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress[id]
}

func (c *Channel) saveProgress(id int64, p progress) {
	if id == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.sent == 0 {
		delete(c.progress, id)
		return
	}
	c.progress[id] = p
}
