package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// AgentDesk is the agent side of handoffs (Slack in production; the
// console agent reads the database directly and needs no desk).
//
// The engine calls it after the change it reports is committed, from the
// goroutine that made the change; calls should return quickly. An error is
// logged and otherwise ignored: the database stays the source of truth, so
// a desk that missed a notification recovers by listing Store.Handoffs.
type AgentDesk interface {
	// HandoffCreated: a conversation joined the queue.
	HandoffCreated(ctx context.Context, h Handoff) error
	// ClientMessage: the client wrote while waiting or with an agent.
	ClientMessage(ctx context.Context, h Handoff, e Entry) error
	// Undeliverable: a reply to the client was dead-lettered (blocked bot,
	// closed messaging window...), so the agent knows it was not received.
	Undeliverable(ctx context.Context, o OutboxItem) error
	// Reminder: the handoff has waited longer than Config.QueueNotice and
	// the client was told the team will follow up.
	Reminder(ctx context.Context, h Handoff) error
}

// agentTurn loads a handoff and its conversation under the conversation
// lock and commits what act decides.
func (e *Engine) agentTurn(ctx context.Context, op string, handoffID int64, act func(h Handoff, c *Conversation, t *turn) error) error {
	h, err := e.cfg.Store.Handoff(ctx, handoffID)
	if err != nil {
		return fmt.Errorf("engine: %s: %w", op, err)
	}
	defer e.locks.lock(h.Channel + ":" + h.ChatID)()
	return e.commitLoop(ctx, op, func(ctx context.Context) (*turn, error) {
		h, err := e.cfg.Store.Handoff(ctx, handoffID)
		if err != nil {
			return nil, err
		}
		c, err := e.cfg.Store.ConversationByID(ctx, h.ConvID)
		if err != nil {
			return nil, err
		}
		t := &turn{}
		if err := act(h, &c, t); err != nil {
			return nil, err
		}
		if t.skip {
			return nil, nil
		}
		t.change.Conversation = c
		t.change.At = e.cfg.Now()
		return t, nil
	})
}

// Take assigns a waiting handoff to an agent. Taking one already taken by
// the same agent is a no-op; by another agent, ErrConflict.
func (e *Engine) Take(ctx context.Context, handoffID int64, agent string) error {
	if agent == "" {
		return fmt.Errorf("engine: take: agent name required: %w", ErrForbidden)
	}
	return e.agentTurn(ctx, "take", handoffID, func(h Handoff, c *Conversation, t *turn) error {
		return e.take(h, c, t, agent)
	})
}

func (e *Engine) take(h Handoff, c *Conversation, t *turn, agent string) error {
	switch h.Status {
	case HandoffWaiting:
	case HandoffTaken:
		if h.Agent == agent {
			return nil
		}
		return fmt.Errorf("handoff %d taken by %s: %w", h.ID, h.Agent, ErrConflict)
	default:
		return fmt.Errorf("handoff %d is %s: %w", h.ID, h.Status, ErrConflict)
	}
	now := e.cfg.Now()
	h.Status, h.Agent, h.TakenAt = HandoffTaken, agent, now
	c.State, c.Agent = StateWithAgt, agent
	t.change.Handoff = &HandoffChange{H: h}
	return nil
}

// Reply sends an agent's message to the client, taking the handoff first
// if it is still waiting.
func (e *Engine) Reply(ctx context.Context, handoffID int64, agent, text string) error {
	text = clean(text)
	if text == "" {
		return errors.New("engine: reply: empty text")
	}
	return e.agentTurn(ctx, "reply", handoffID, func(h Handoff, c *Conversation, t *turn) error {
		if err := e.take(h, c, t, agent); err != nil {
			return err
		}
		t.change.Out = append(t.change.Out, Outbound{Channel: c.Channel, ChatID: c.ChatID, Lang: c.Lang, Kind: KindAgent,
			Reply: render(e.cfg.Knowledge, c.Lang, c.Caps, text, nil)})
		return nil
	})
}

// Note adds an internal note to the transcript; the client never sees it.
func (e *Engine) Note(ctx context.Context, handoffID int64, agent, text string) error {
	text = clean(text)
	if text == "" {
		return errors.New("engine: note: empty text")
	}
	return e.agentTurn(ctx, "note", handoffID, func(h Handoff, c *Conversation, t *turn) error {
		t.change.Entries = append(t.change.Entries, Entry{Kind: KindNote, Author: agent, Text: text})
		return nil
	})
}

// Resolve closes a handoff: the client is asked for a 1–5 score and the bot
// answers again.
func (e *Engine) Resolve(ctx context.Context, handoffID int64, agent string) error {
	return e.agentTurn(ctx, "resolve", handoffID, func(h Handoff, c *Conversation, t *turn) error {
		if h.Status == HandoffResolved {
			return fmt.Errorf("handoff %d already resolved: %w", h.ID, ErrConflict)
		}
		if h.Status == HandoffTaken && h.Agent != agent {
			return fmt.Errorf("handoff %d taken by %s: %w", h.ID, h.Agent, ErrConflict)
		}
		now := e.cfg.Now()
		h.Status, h.ResolvedAt = HandoffResolved, now
		if h.Agent == "" {
			h.Agent, h.TakenAt = agent, now
		}
		c.State, c.Agent, c.HandoffID = StateResolved, "", 0
		l := e.speak(c.Lang)
		opts := make([]Button, 5)
		for i := range opts {
			n := strconv.Itoa(i + 1)
			opts[i] = Button{Label: n, Payload: PayloadCSAT + n}
		}
		c.Dialog = Dialog{Awaiting: AwaitCSAT, Options: opts, CSATHandoff: h.ID}
		text := e.text(l, "resolved_by_agent", nil) + "\n\n" + e.text(l, "csat_ask", nil)
		t.change.Handoff = &HandoffChange{H: h}
		t.change.Out = append(t.change.Out, Outbound{Channel: c.Channel, ChatID: c.ChatID, Lang: l, Kind: KindCSAT,
			Reply: renderCSAT(e.cfg.Knowledge, l, c.Caps, text, opts)})
		return nil
	})
}

// renderCSAT keeps the 1–5 scale on one line where there are no buttons.
func renderCSAT(k Knowledge, l Lang, caps Capabilities, text string, opts []Button) Reply {
	if caps.Buttons {
		return render(k, l, caps, text, opts)
	}
	labels := make([]string, len(opts))
	for i, o := range opts {
		labels[i] = o.Label
	}
	return Reply{Text: fit(text, caps.MaxLen-len(labels)*3) + "\n" + strings.Join(labels, " · ")}
}

// Sweep tells clients whose handoff waited longer than QueueNotice that the
// team will follow up (once per handoff; it stays queued).
func (e *Engine) Sweep(ctx context.Context) error {
	stale, err := e.cfg.Store.StaleHandoffs(ctx, e.cfg.Now().Add(-e.cfg.QueueNotice))
	if err != nil {
		return fmt.Errorf("engine: sweep: %w", err)
	}
	for _, h := range stale {
		var sent *Handoff
		err := e.agentTurn(ctx, "queue notice", h.ID, func(h Handoff, c *Conversation, t *turn) error {
			if h.Status != HandoffWaiting || !h.NoticeAt.IsZero() || c.HandoffID != h.ID {
				t.skip = true
				return nil
			}
			l := e.speak(c.Lang)
			h.NoticeAt = e.cfg.Now()
			t.change.Handoff = &HandoffChange{H: h}
			t.change.Out = append(t.change.Out, Outbound{Channel: c.Channel, ChatID: c.ChatID, Lang: l, Kind: KindNotice,
				Reply: render(e.cfg.Knowledge, l, c.Caps, e.text(l, "handoff_queued_long", nil), nil)})
			sent = &h
			return nil
		})
		if err != nil {
			return err
		}
		if sent != nil && e.cfg.Desk != nil {
			e.deskErr("reminder", e.cfg.Desk.Reminder(ctx, *sent))
		}
	}
	return nil
}
