package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/hexfit/supportbot/bot"
)

// Staff-question buttons: the action value is the engine's payload.
const (
	optionsBlock   = "opts"
	optionActionID = "opt:" // + index
)

// ChatID of a staff conversation: the Slack channel and the thread the
// question started, so every reply lands in that thread.
func chatID(channel, threadTS string) string { return channel + ":" + threadTS }

func splitChat(id string) (channel, threadTS string, ok bool) {
	channel, threadTS, ok = strings.Cut(id, ":")
	return channel, threadTS, ok && channel != "" && threadTS != ""
}

// Send implements bot.Channel: chat.postMessage in the question's thread,
// the options as Block Kit buttons.
func (s *Slack) Send(ctx context.Context, o bot.Outbound) (string, error) {
	channel, thread, ok := splitChat(o.ChatID)
	if !ok {
		return "", fmt.Errorf("slack: send reply: malformed chat id: %w", bot.ErrPermanent)
	}
	blocks, err := replyBlocks(o.Reply)
	if err != nil {
		return "", fmt.Errorf("slack: send reply: %w: %w", err, bot.ErrPermanent)
	}
	_, ts, err := s.api.PostMessageContext(ctx, channel,
		slack.MsgOptionText(clip(o.Reply.Text, 300), false),
		slack.MsgOptionBlocks(blocks...),
		slack.MsgOptionTS(thread))
	if err != nil {
		return "", fmt.Errorf("slack: send reply: %w", classify(err))
	}
	return ts, nil
}

// replyBlocks renders a reply: its text in sections (Slack caps each at
// 3000 characters), then one actions block with the options.
func replyBlocks(r bot.Reply) ([]slack.Block, error) {
	var blocks []slack.Block
	for _, part := range chunks(escape(r.Text), maxSectionLen) {
		if strings.TrimSpace(part) == "" {
			continue
		}
		blocks = append(blocks, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, part, false, false), nil, nil))
	}
	if len(r.Buttons) > maxButtons {
		return nil, fmt.Errorf("%d buttons, Slack takes %d", len(r.Buttons), maxButtons)
	}
	if len(r.Buttons) > 0 {
		els := make([]slack.BlockElement, len(r.Buttons))
		for i, b := range r.Buttons {
			if len(b.Payload) > maxButtonVal {
				return nil, fmt.Errorf("button payload of %d bytes", len(b.Payload))
			}
			els[i] = slack.NewButtonBlockElement(optionActionID+strconv.Itoa(i), b.Payload,
				slack.NewTextBlockObject(slack.PlainTextType, clip(b.Label, maxButtonText), false, false))
		}
		blocks = append(blocks, slack.NewActionBlock(optionsBlock, els...))
	}
	if len(blocks) == 0 {
		return nil, errors.New("empty reply")
	}
	return blocks, nil
}

// permanentErrors are Slack API errors a retry cannot fix.
var permanentErrors = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "msg_too_long": true,
	"no_text": true, "invalid_blocks": true, "invalid_blocks_format": true, "too_many_attachments": true,
	"restricted_action": true, "account_inactive": true, "invalid_auth": true, "not_authed": true,
	"token_revoked": true, "missing_scope": true, "user_not_found": true, "cannot_dm_bot": true,
	"invalid_thread_ts": true, "thread_reply_not_available": true, "message_not_found": true,
}

// classify maps a Slack error onto the bot.Channel error contract.
func classify(err error) error {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &bot.RetryAfterError{After: rl.RetryAfter, Err: err}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && permanentErrors[se.Err] {
		return fmt.Errorf("%w: %w", err, bot.ErrPermanent)
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && !sc.Retryable() && sc.Code >= 400 {
		return fmt.Errorf("%w: %w", err, bot.ErrPermanent)
	}
	return err
}
