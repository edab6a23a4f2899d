package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"

	"github.com/hexfit/supportbot/bot"
)

// The AgentDesk methods queue their Slack calls and return at once (the
// engine calls them on a client's request path); per handoff they run in
// order, so the parent message exists before anything is posted in its
// thread. A full queue returns an error the engine logs; Resync repairs.

func handoffKey(id int64) string { return "h:" + strconv.FormatInt(id, 10) }

// HandoffCreated implements bot.AgentDesk: one parent message per handoff.
func (s *Slack) HandoffCreated(ctx context.Context, h bot.Handoff) error {
	if !s.inbox() {
		return nil
	}
	return s.queue(h.ID, "post handoff", func(ctx context.Context) error {
		_, _, err := s.ensureThread(ctx, h.ID)
		return err
	})
}

// ClientMessage implements bot.AgentDesk: the client's message goes into
// the handoff's thread.
func (s *Slack) ClientMessage(ctx context.Context, h bot.Handoff, e bot.Entry) error {
	if !s.inbox() || h.ID == 0 {
		return nil
	}
	return s.queue(h.ID, "post client message", func(ctx context.Context) error {
		channel, ts, err := s.ensureThread(ctx, h.ID)
		if err != nil {
			return err
		}
		name := h.ContactID
		if ct, err := s.cfg.Store.Contact(ctx, h.Channel, h.ContactID); err == nil && ct.Name != "" {
			name = ct.Name
		}
		text := e.Text
		if text == "" {
			text = "(sent something the bot cannot show: photo, voice, file…)"
		}
		return s.postThread(ctx, channel, ts, "*"+escape(name)+":* "+escape(text), false)
	})
}

// Undeliverable implements bot.AgentDesk: a reply the client will not get
// is reported in the thread of the conversation's handoff.
func (s *Slack) Undeliverable(ctx context.Context, o bot.OutboxItem) error {
	if !s.inbox() || o.ConvID == 0 {
		return nil
	}
	id, channel, ts, err := s.cfg.Threads.SlackThreadByConv(ctx, o.ConvID)
	if errors.Is(err, bot.ErrNotFound) {
		return nil // never handed off: no agent to tell
	}
	if err != nil {
		return fmt.Errorf("slack: undeliverable: %w", err)
	}
	return s.queue(id, "report undeliverable", func(ctx context.Context) error {
		what := "A reply"
		switch o.Kind {
		case bot.KindAgent:
			what = "Your reply"
		case bot.KindCSAT:
			what = "The satisfaction question"
		case bot.KindNotice:
			what = "The bot's notice"
		}
		text := fmt.Sprintf(":warning: %s could not be delivered to the client on %s and was *not received*", what, channelName(o.Channel))
		if o.LastError != "" {
			text += " (" + escape(clip(o.LastError, 300)) + ")"
		}
		text += ":\n> " + escape(oneLine(o.Reply.Text))
		return s.postThread(ctx, channel, ts, text, false)
	})
}

// Reminder implements bot.AgentDesk: one reminder in the channel (a thread
// reply also shown in the channel) when nobody took the handoff in time.
func (s *Slack) Reminder(ctx context.Context, h bot.Handoff) error {
	if !s.inbox() {
		return nil
	}
	return s.queue(h.ID, "remind", func(ctx context.Context) error {
		channel, ts, err := s.ensureThread(ctx, h.ID)
		if err != nil {
			return err
		}
		text := fmt.Sprintf(":alarm_clock: Handoff #%d (%s) is still waiting for an agent; the client was told the team will follow up.",
			h.ID, channelName(h.Channel))
		if s.cfg.MentionHere {
			text = "<!here> " + text
		}
		return s.postThread(ctx, channel, ts, text, true)
	})
}

// queue runs f in the background after the current request, in order for
// one handoff.
func (s *Slack) queue(id int64, op string, f func(ctx context.Context) error) error {
	err := s.work.submit(handoffKey(id), func(ctx context.Context) {
		if err := f(ctx); err != nil {
			s.log.Warn("slack: agent inbox update failed", "op", op, "handoff", id, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("slack: %s: %w", op, err)
	}
	return nil
}

// ensureThread returns the thread of a handoff, posting its parent message
// first if there is none yet.
func (s *Slack) ensureThread(ctx context.Context, id int64) (channel, ts string, err error) {
	channel, ts, err = s.cfg.Threads.SlackThreadByHandoff(ctx, id)
	if err == nil {
		return channel, ts, nil
	}
	if !errors.Is(err, bot.ErrNotFound) {
		return "", "", fmt.Errorf("slack: load thread: %w", err)
	}
	v, err := s.loadView(ctx, id)
	if err != nil {
		return "", "", fmt.Errorf("slack: load handoff %d: %w", id, err)
	}
	channel, ts, err = s.api.PostMessageContext(ctx, s.cfg.AgentsChannel,
		slack.MsgOptionText(parentText(v), false), slack.MsgOptionBlocks(parentBlocks(v, s.cfg.Now())...))
	if err != nil {
		return "", "", fmt.Errorf("slack: post handoff %d: %w", id, err)
	}
	if err := s.cfg.Threads.SaveSlackThread(ctx, id, v.h.ConvID, channel, ts); err != nil {
		return "", "", fmt.Errorf("slack: save thread of handoff %d: %w", id, err)
	}
	return channel, ts, nil
}

// refresh re-renders a handoff's parent message from the store.
func (s *Slack) refresh(ctx context.Context, id int64) error {
	channel, ts, err := s.cfg.Threads.SlackThreadByHandoff(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		_, _, err = s.ensureThread(ctx, id)
		return err
	}
	if err != nil {
		return fmt.Errorf("slack: load thread: %w", err)
	}
	v, err := s.loadView(ctx, id)
	if err != nil {
		return fmt.Errorf("slack: load handoff %d: %w", id, err)
	}
	if _, _, _, err := s.api.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(parentText(v), false), slack.MsgOptionBlocks(parentBlocks(v, s.cfg.Now())...)); err != nil {
		return fmt.Errorf("slack: update handoff %d: %w", id, err)
	}
	return nil
}

func (s *Slack) postThread(ctx context.Context, channel, ts, text string, broadcast bool) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionTS(ts)}
	if broadcast {
		opts = append(opts, slack.MsgOptionBroadcast())
	}
	if _, _, err := s.api.PostMessageContext(ctx, channel, opts...); err != nil {
		return fmt.Errorf("slack: post in thread: %w", err)
	}
	return nil
}

// Resync posts the parent message of every open handoff that has none
// (the desk was down or its queue full when the handoff was created).
// Call it at start-up; it queues the work and returns.
func (s *Slack) Resync(ctx context.Context) error {
	if !s.inbox() {
		return nil
	}
	hs, err := s.cfg.Store.Handoffs(ctx, bot.HandoffWaiting, bot.HandoffTaken)
	if err != nil {
		return fmt.Errorf("slack: resync: %w", err)
	}
	for _, h := range hs {
		if _, _, err := s.cfg.Threads.SlackThreadByHandoff(ctx, h.ID); err == nil {
			continue
		}
		if err := s.HandoffCreated(ctx, h); err != nil {
			return fmt.Errorf("slack: resync: %w", err)
		}
	}
	return nil
}
