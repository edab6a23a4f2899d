package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
)

// progress remembers how many parts of a split reply went out, so that a
// retried outbox row does not repeat them.
type progress struct {
	sent   int
	lastID string
}

// maxIdleLimiters bounds the per-chat limiter map before idle ones are pruned.
const maxIdleLimiters = 1024

// Send implements bot.Channel: the reply is split at MaxTextLen and the
// buttons go, as an inline keyboard, on the last part. It returns the
// message_id of the last part.
func (c *Channel) Send(ctx context.Context, o bot.Outbound) (string, error) {
	chatID, err := strconv.ParseInt(o.ChatID, 10, 64)
	if err != nil {
		return "", fmt.Errorf("telegram: send reply: bad chat id: %w", bot.ErrPermanent)
	}
	markup, err := keyboard(o.Reply.Buttons)
	if err != nil {
		return "", fmt.Errorf("telegram: send reply: %v: %w", err, bot.ErrPermanent)
	}
	parts := split(o.Reply.Text, MaxTextLen, utf16Units)
	if parts[0] == "" {
		return "", fmt.Errorf("telegram: send reply: empty text: %w", bot.ErrPermanent)
	}

	p := c.progressOf(o.ID)
	for i := p.sent; i < len(parts); i++ {
		if err := c.wait(ctx, o.ChatID); err != nil {
			c.saveProgress(o.ID, p)
			return "", fmt.Errorf("telegram: send reply: rate limit wait: %w", err)
		}
		msg := tgbotapi.NewMessage(chatID, parts[i])
		if i == len(parts)-1 && markup != nil {
			msg.ReplyMarkup = *markup
		}
		sent, err := c.with(ctx).Send(msg)
		if err != nil {
			err = classify(c.wrap("send reply", err))
			if errors.Is(err, bot.ErrPermanent) {
				c.saveProgress(o.ID, progress{})
			} else {
				c.saveProgress(o.ID, p)
			}
			return "", err
		}
		p = progress{sent: i + 1, lastID: strconv.Itoa(sent.MessageID)}
	}
	c.saveProgress(o.ID, progress{})
	return p.lastID, nil
}

// keyboard maps buttons to an inline keyboard: a short pair shares a row,
// anything else gets one row per button so labels stay readable.
func keyboard(buttons []bot.Button) (*tgbotapi.InlineKeyboardMarkup, error) {
	if len(buttons) == 0 {
		return nil, nil
	}
	row := len(buttons) <= 2
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, b := range buttons {
		if b.Label == "" {
			return nil, errors.New("button without label")
		}
		if b.Payload == "" || len(b.Payload) > maxCallbackData {
			return nil, fmt.Errorf("button payload must be 1-%d bytes, got %d", maxCallbackData, len(b.Payload))
		}
		if utf8.RuneCountInString(b.Label) > 20 {
			row = false
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(b.Label, b.Payload)))
	}
	if row {
		var one []tgbotapi.InlineKeyboardButton
		for _, r := range rows {
			one = append(one, r...)
		}
		rows = [][]tgbotapi.InlineKeyboardButton{one}
	}
	m := tgbotapi.NewInlineKeyboardMarkup(rows...)
	return &m, nil
}

// classify maps Bot API errors to the outbox contract: 429 waits for
// retry_after, 400 and 403 (chat not found, bot blocked, bad markup) are
// final, the rest (network, 5xx, 401 while a token is being fixed) retried.
func classify(err error) error {
	var te *tgbotapi.Error
	if !errors.As(err, &te) {
		return err
	}
	switch {
	case te.Code == 429:
		return &bot.RetryAfterError{After: time.Duration(te.RetryAfter) * time.Second, Err: err}
	case te.Code == 400 || te.Code == 403:
		return fmt.Errorf("%w: %w", err, bot.ErrPermanent)
	}
	return err
}

// wait applies the overall and the per-chat rate limits.
func (c *Channel) wait(ctx context.Context, chat string) error {
	if err := c.chatLimiter(chat).Wait(ctx); err != nil {
		return err
	}
	return c.global.Wait(ctx)
}

func (c *Channel) chatLimiter(chat string) *rate.Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.chats[chat]
	if ok {
		return l
	}
	if len(c.chats) >= maxIdleLimiters {
		for k, v := range c.chats {
			if v.Tokens() >= float64(c.chatBurst) { // full bucket: idle, safe to forget
				delete(c.chats, k)
			}
		}
	}
	l = rate.NewLimiter(c.chatRate, c.chatBurst)
	c.chats[chat] = l
	return l
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
