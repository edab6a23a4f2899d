package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/hexfit/supportbot/bot"
)

// inMsg is a Slack message event (message or app_mention), transport aside.
type inMsg struct {
	channel, channelType, user, botID, subtype string
	text, ts, threadTS                         string
	mention                                    bool // came as app_mention
}

// onEvent handles one Events API callback, from HTTP or Socket Mode. It
// returns an error only when the event must be redelivered: a staff
// question that could not be committed, or a full background queue.
func (s *Slack) onEvent(ctx context.Context, e Engine, ev slackevents.EventsAPIEvent) error {
	var m inMsg
	switch in := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		m = inMsg{channel: in.Channel, channelType: in.ChannelType, user: in.User, botID: in.BotID, subtype: in.SubType,
			text: in.Text, ts: in.TimeStamp, threadTS: in.ThreadTimeStamp}
	case *slackevents.AppMentionEvent:
		m = inMsg{channel: in.Channel, user: in.User, botID: in.BotID, text: in.Text, ts: in.TimeStamp,
			threadTS: in.ThreadTimeStamp, mention: true}
	default:
		return nil
	}
	return s.onMessage(ctx, e, m)
}

func (s *Slack) onMessage(ctx context.Context, e Engine, m inMsg) error {
	switch m.subtype {
	case "", "file_share", "thread_broadcast":
	default:
		return nil // edits, deletions, joins, bot messages
	}
	if m.botID != "" || m.user == "" || m.ts == "" || m.channel == "" {
		return nil
	}
	self, err := s.self(ctx)
	if err != nil {
		return err
	}
	if m.user == self {
		return nil
	}
	inThread := m.threadTS != "" && m.threadTS != m.ts
	if s.inbox() && m.channel == s.cfg.AgentsChannel && inThread {
		id, err := s.cfg.Threads.SlackHandoffByThread(ctx, m.channel, m.threadTS)
		switch {
		case err == nil:
			return s.work.submit(handoffKey(id), func(ctx context.Context) { s.agentMessage(ctx, e, id, m, self) })
		case !errors.Is(err, bot.ErrNotFound):
			return fmt.Errorf("slack: find handoff thread: %w", err)
		}
	}
	thread := m.ts
	if inThread {
		thread = m.threadTS
	}
	switch {
	case m.channelType == "im", m.mention:
	case inThread && !strings.HasPrefix(m.channel, "D"):
		// A reply without a mention in a thread where a staff member
		// already talks with the bot continues that conversation.
		if s.cfg.Store == nil {
			return nil
		}
		if _, err := s.cfg.Store.Conversation(ctx, Name, chatID(m.channel, thread)); err != nil {
			return nil
		}
	default:
		return nil
	}
	msg := bot.Message{
		Channel:    Name,
		ChatID:     chatID(m.channel, thread),
		ContactID:  m.user,
		Text:       plain(stripMention(m.text, self)),
		Audience:   bot.Staff,
		PlatformID: m.channel + ":" + m.ts, // app_mention and message of one post share it
		Media:      m.subtype == "file_share",
		Time:       tsTime(m.ts),
	}
	if err := e.Handle(ctx, msg); err != nil && !errors.Is(err, bot.ErrDuplicate) {
		return fmt.Errorf("slack: handle staff message: %w", err)
	}
	return nil
}

// agentMessage acts on a reply in a handoff's thread: relay it to the
// client, keep a note, or resolve.
func (s *Slack) agentMessage(ctx context.Context, e Engine, id int64, m inMsg, self string) {
	first, err := s.cfg.Threads.MarkSlackEvent(ctx, "msg:"+m.channel+":"+m.ts, s.cfg.Now())
	if err != nil {
		s.log.Error("slack: record agent message", "handoff", id, "err", err)
		s.warn(ctx, m.channel, m.threadTS, ":warning: This message could not be processed and was *not sent* to the client. Please post it again.")
		return
	}
	if !first {
		return // a retried or doubled delivery
	}
	ok, err := s.isAgent(ctx, m.user)
	if err != nil {
		s.log.Error("slack: check agent", "err", err)
	}
	if !ok {
		s.ephemeral(ctx, m.channel, m.threadTS, m.user, "Only support agents can answer handed-off conversations; your message was *not sent* to the client.")
		return
	}
	text := strings.TrimSpace(stripMention(m.text, self))
	lower := strings.ToLower(text)
	switch {
	case strings.HasPrefix(lower, "note:"):
		note := plain(strings.TrimSpace(text[len("note:"):]))
		if note == "" {
			return
		}
		if err := e.Note(ctx, id, m.user, note); err != nil {
			s.actionFailed(ctx, m.channel, m.threadTS, m.user, "note", err)
			return
		}
		if err := s.api.AddReactionContext(ctx, "memo", slack.NewRefToMessage(m.channel, m.ts)); err != nil {
			s.log.Debug("slack: react to note", "err", err)
		}
	case strings.Trim(lower, " .!") == "resolve":
		if err := e.Resolve(ctx, id, m.user); err != nil {
			s.actionFailed(ctx, m.channel, m.threadTS, m.user, "resolve", err)
			return
		}
		s.refreshLogged(ctx, id)
	default:
		if m.subtype == "file_share" {
			s.ephemeral(ctx, m.channel, m.threadTS, m.user, "Files are not relayed to the client; only the text of your message is.")
		}
		body := plain(text)
		if body == "" {
			return
		}
		before, err := s.cfg.Store.Handoff(ctx, id)
		if err != nil {
			s.actionFailed(ctx, m.channel, m.threadTS, m.user, "reply", err)
			return
		}
		if err := e.Reply(ctx, id, m.user, body); err != nil {
			s.actionFailed(ctx, m.channel, m.threadTS, m.user, "reply", err)
			return
		}
		if before.Status == bot.HandoffWaiting {
			s.refreshLogged(ctx, id) // the reply took it
		}
	}
}

// onAction handles a block_actions interaction. Staff-question buttons are
// committed before returning (an error asks for redelivery); inbox buttons
// are queued.
func (s *Slack) onAction(ctx context.Context, e Engine, cb slack.InteractionCallback) error {
	if cb.Type != slack.InteractionTypeBlockActions {
		return nil
	}
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	msgTS := cb.Container.MessageTs
	if msgTS == "" {
		msgTS = cb.Message.Timestamp
	}
	thread := cb.Container.ThreadTs
	if thread == "" {
		thread = cb.Message.ThreadTimestamp
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil {
			continue
		}
		switch {
		case a.ActionID == takeActionID || a.ActionID == resolveActionID:
			id, err := strconv.ParseInt(a.Value, 10, 64)
			if err != nil || !s.inbox() {
				continue
			}
			act, user := a.ActionID, cb.User.ID
			err = s.work.submit(handoffKey(id), func(ctx context.Context) { s.inboxButton(ctx, e, id, act, channel, user) })
			if err != nil {
				return err
			}
		case strings.HasPrefix(a.ActionID, optionActionID):
			if channel == "" || msgTS == "" || cb.User.ID == "" || a.Value == "" {
				continue // not a press of one of our buttons by a person (found by fuzzing)
			}
			if thread == "" {
				thread = msgTS
			}
			label := a.Text.Text
			msg := bot.Message{
				Channel: Name, ChatID: chatID(channel, thread), ContactID: cb.User.ID, Text: label, Payload: a.Value,
				Audience: bot.Staff, PlatformID: "act:" + channel + ":" + msgTS + ":" + a.ActionTs, Time: tsTime(a.ActionTs),
			}
			if err := e.Handle(ctx, msg); err != nil && !errors.Is(err, bot.ErrDuplicate) {
				return fmt.Errorf("slack: handle staff button: %w", err)
			}
		}
	}
	return nil
}

// inboxButton performs Take or Resolve for an agent.
func (s *Slack) inboxButton(ctx context.Context, e Engine, id int64, action, channel, user string) {
	_, ts, err := s.cfg.Threads.SlackThreadByHandoff(ctx, id)
	if err != nil {
		s.log.Warn("slack: button on unknown handoff thread", "handoff", id, "err", err)
	}
	ok, err := s.isAgent(ctx, user)
	if err != nil {
		s.log.Error("slack: check agent", "err", err)
	}
	if !ok {
		s.ephemeral(ctx, channel, "", user, "Only support agents can take or resolve handed-off conversations.")
		return
	}
	op, do := "take", e.Take
	if action == resolveActionID {
		op, do = "resolve", e.Resolve
	}
	if err := do(ctx, id, user); err != nil {
		s.actionFailed(ctx, channel, ts, user, op, err)
		s.refreshLogged(ctx, id) // show the state that made it fail
		return
	}
	s.refreshLogged(ctx, id)
}

// actionFailed tells the agent privately why an action did nothing.
func (s *Slack) actionFailed(ctx context.Context, channel, thread, user, op string, err error) {
	if errors.Is(err, bot.ErrConflict) {
		msg := "This conversation is already resolved or handled by another agent"
		if op == "reply" {
			msg += "; your message was *not sent* to the client."
		} else {
			msg += "."
		}
		s.ephemeral(ctx, channel, thread, user, msg)
		return
	}
	s.log.Error("slack: agent action failed", "op", op, "err", err)
	s.warn(ctx, channel, thread, fmt.Sprintf(":warning: Could not %s (internal error); nothing was sent to the client. Please try again.", op))
}

func (s *Slack) refreshLogged(ctx context.Context, id int64) {
	if err := s.refresh(ctx, id); err != nil {
		s.log.Warn("slack: update handoff message", "handoff", id, "err", err)
	}
}

func (s *Slack) ephemeral(ctx context.Context, channel, thread, user, text string) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if _, err := s.api.PostEphemeralContext(ctx, channel, user, opts...); err != nil {
		s.log.Warn("slack: post ephemeral", "err", err)
	}
}

func (s *Slack) warn(ctx context.Context, channel, thread, text string) {
	if thread == "" {
		return
	}
	if err := s.postThread(ctx, channel, thread, text, false); err != nil {
		s.log.Warn("slack: post warning", "err", err)
	}
}

// tsTime reads a Slack ts ("1712345678.000100") as a time.
func tsTime(ts string) time.Time {
	sec, frac, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	var us int64
	if frac != "" {
		frac = (frac + "000000")[:6]
		us, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(n, us*1000).UTC()
}
