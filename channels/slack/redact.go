package slack

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/hexfit/supportbot/bot"
)

// RemovedNotice replaces a purged or erased conversation's messages in the
// agents channel.
const RemovedNotice = ":wastebasket: Content removed (retention period ended or the client asked for erasure)."

var _ bot.DeskRedactor = (*Slack)(nil)

// Redact implements bot.DeskRedactor: the parent message of each thread
// and the bot's own posts in it (the copies of client messages, reports)
// are replaced by RemovedNotice with chat.update. Agents' own replies are
// theirs: Slack lets only their author edit them. A thread Slack no
// longer has is skipped.
func (s *Slack) Redact(ctx context.Context, threads []bot.DeskThread) error {
	if len(threads) == 0 {
		return nil
	}
	self, err := s.self(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, th := range threads {
		if err := s.redactThread(ctx, self, th); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("slack: redact handoff %d: %w", th.HandoffID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Slack) redactThread(ctx context.Context, self string, th bot.DeskThread) error {
	if err := s.redactMessage(ctx, th.Channel, th.TS); err != nil {
		return err
	}
	params := &slack.GetConversationRepliesParameters{ChannelID: th.Channel, Timestamp: th.TS, Limit: 200}
	for {
		msgs, more, cursor, err := s.api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			return fmt.Errorf("read thread: %w", err)
		}
		for _, m := range msgs {
			if m.Timestamp == th.TS || m.User != self || m.Text == RemovedNotice {
				continue
			}
			if err := s.redactMessage(ctx, th.Channel, m.Timestamp); err != nil && !gone(err) {
				return err
			}
		}
		if !more || cursor == "" {
			return nil
		}
		params.Cursor = cursor
	}
}

func (s *Slack) redactMessage(ctx context.Context, channel, ts string) error {
	notice := slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, RemovedNotice, false, false), nil, nil)
	if _, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(RemovedNotice, false),
		slack.MsgOptionBlocks(notice)); err != nil {
		return fmt.Errorf("update message: %w", err)
	}
	return nil
}

// gone reports a Slack error meaning the message or channel no longer
// exists (deleted by hand, or the bot left the channel).
func gone(err error) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "message_not_found", "thread_not_found", "channel_not_found", "cant_update_message", "is_archived":
			return true
		}
	}
	return false
}
