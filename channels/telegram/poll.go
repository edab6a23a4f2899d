package telegram

import (
	"context"
	"errors"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hexfit/supportbot/bot"
)

// Backoff bounds for failed getUpdates calls and failed deliveries.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 30 * time.Second
)

// Run implements bot.Receiver with long polling. It removes any webhook
// (Telegram refuses getUpdates while one is set), then loops on getUpdates
// until ctx ends, when it returns nil. Updates are confirmed (offset moved
// past them) only once h accepted them, so a failing Handle sees the same
// update again after a backoff. A rejected token ends Run with an error.
func (c *Channel) Run(ctx context.Context, h bot.Handler) error {
	if err := c.DeleteWebhook(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if fatal(err) {
			return err
		}
		c.log.WarnContext(ctx, "delete webhook failed; polling anyway", "err", err)
	}
	c.log.InfoContext(ctx, "long polling started")
	offset, backoff := 0, minBackoff
	for ctx.Err() == nil {
		updates, err := c.with(ctx).GetUpdates(tgbotapi.UpdateConfig{
			Offset:         offset,
			Timeout:        int(c.poll / time.Second),
			AllowedUpdates: []string{"message", "callback_query"},
		})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			err = c.wrap("get updates", err)
			if fatal(err) {
				return err
			}
			c.log.WarnContext(ctx, "get updates failed", "err", err, "backoff", backoff)
			backoff = sleep(ctx, backoff, retryAfter(err))
			continue
		}
		failed := false
		for _, u := range updates {
			if err := c.deliver(ctx, h, u); err != nil {
				if ctx.Err() == nil {
					c.log.WarnContext(ctx, "handler failed; will retry", "err", err, "backoff", backoff)
					backoff = sleep(ctx, backoff, 0)
				}
				failed = true
				break
			}
			offset = u.UpdateID + 1
		}
		if !failed {
			backoff = minBackoff
		}
	}
	c.log.InfoContext(ctx, "long polling stopped")
	return nil
}

// DeleteWebhook switches the bot back to getUpdates.
func (c *Channel) DeleteWebhook(ctx context.Context) error {
	if _, err := c.with(ctx).MakeRequest("deleteWebhook", nil); err != nil {
		return c.wrap("delete webhook", err)
	}
	return nil
}

// fatal reports errors that retrying cannot fix: the token was rejected.
func fatal(err error) bool {
	var te *tgbotapi.Error
	return errors.As(err, &te) && (te.Code == 401 || te.Code == 404)
}

func retryAfter(err error) time.Duration {
	var te *tgbotapi.Error
	if errors.As(err, &te) && te.RetryAfter > 0 {
		return time.Duration(te.RetryAfter) * time.Second
	}
	return 0
}

// sleep waits for max(d, floor) or until ctx ends and returns the next,
// doubled, backoff.
func sleep(ctx context.Context, d, floor time.Duration) time.Duration {
	wait := max(d, floor)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return min(2*d, maxBackoff)
}
