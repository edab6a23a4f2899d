package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hexfit/supportbot/bot"
)

// toMessage turns an update into a bot message. ok is false for updates the
// bot does not act on (edits, group chatter, other bots, service messages).
func (c *Channel) toMessage(u tgbotapi.Update) (bot.Message, bool) {
	if q := u.CallbackQuery; q != nil {
		if q.From == nil || q.Message == nil || q.Message.Chat == nil || q.Data == "" {
			return bot.Message{}, false
		}
		return bot.Message{
			Channel:     Name,
			ChatID:      strconv.FormatInt(q.Message.Chat.ID, 10),
			ContactID:   strconv.FormatInt(q.From.ID, 10),
			DisplayName: displayName(q.From),
			Payload:     q.Data,
			Locale:      q.From.LanguageCode,
			Audience:    c.audience,
			PlatformID:  "cb:" + q.ID,
			Time:        time.Now().UTC(), // callback queries carry no date
		}, true
	}
	m := u.Message
	if m == nil || m.From == nil || m.From.IsBot || m.Chat == nil || !m.Chat.IsPrivate() {
		return bot.Message{}, false
	}
	media := m.Photo != nil || m.Sticker != nil || m.Voice != nil || m.Document != nil ||
		m.Video != nil || m.VideoNote != nil || m.Audio != nil || m.Animation != nil
	text := m.Text
	if media {
		text = m.Caption
	}
	if text == "" && !media {
		return bot.Message{}, false // location, contact, poll...: nothing to read
	}
	return bot.Message{
		Channel:     Name,
		ChatID:      strconv.FormatInt(m.Chat.ID, 10),
		ContactID:   strconv.FormatInt(m.From.ID, 10),
		DisplayName: displayName(m.From),
		Text:        text,
		Locale:      m.From.LanguageCode,
		Audience:    c.audience,
		PlatformID:  strconv.Itoa(u.UpdateID),
		Media:       media,
		Time:        m.Time().UTC(),
	}, true
}

func displayName(u *tgbotapi.User) string {
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.UserName
	}
	return name
}

// deliver hands one update to h. A nil return means the update is done with
// (handled, duplicate or ignored); an error means it should be delivered
// again. Callback queries are answered once the press is stored, which
// stops the button's spinner.
func (c *Channel) deliver(ctx context.Context, h bot.Handler, u tgbotapi.Update) error {
	m, ok := c.toMessage(u)
	if !ok {
		c.log.DebugContext(ctx, "update ignored", "update_id", u.UpdateID)
		return nil
	}
	err := h.Handle(ctx, m)
	if err != nil && !errors.Is(err, bot.ErrDuplicate) {
		return fmt.Errorf("telegram: handle update %d: %w", u.UpdateID, err)
	}
	if u.CallbackQuery != nil {
		if _, err := c.with(ctx).Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "")); err != nil {
			c.log.WarnContext(ctx, "answer callback query failed", "err", c.wrap("answer callback", err))
		}
	}
	return nil
}
