package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Engine turns inbound messages into conversation state and replies. It
// implements Handler; agents act through Take, Reply, Note and Resolve.
type Engine struct {
	cfg    Config
	locks  *keyLocks
	cache  *stateCache    // nil when Config.CacheSize < 0
	limits *contactLimits // nil when there is no rate limit
	log    *slog.Logger
}

var _ Handler = (*Engine)(nil)

// maxConflicts bounds how often one event is re-decided when another
// process (an agent) changed the conversation under it.
const maxConflicts = 8

// NewEngine checks cfg and returns an engine.
func NewEngine(cfg Config) (*Engine, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg, locks: newKeyLocks(), log: cfg.Logger,
		limits: newContactLimits(cfg.RateLimit, cfg.RateBurst, maxContactLimits)}
	if cfg.CacheSize > 0 {
		e.cache = newStateCache(cfg.CacheSize)
	}
	return e, nil
}

// turn is one decision: what to commit and whom to notify afterwards.
type turn struct {
	change Change
	notify func(ctx context.Context, res Committed) // agent side, after commit
	skip   bool                                     // nothing to commit
	// For the Observer, once committed:
	match    *Match // the matcher's result for the inbound text
	resolved bool   // the bot resolved the conversation
	limited  bool   // the inbound was stored unanswered (rate limit)
}

// Handle implements Handler.
func (e *Engine) Handle(ctx context.Context, m Message) error {
	start := time.Now()
	m = cleanMessage(m) // names and ids as well as the text are stored
	if m.Channel == "" || m.ChatID == "" {
		return fmt.Errorf("engine: message without channel or chat id: %w", ErrPermanent)
	}
	key := m.Channel + ":" + m.ChatID
	defer e.locks.lock(key)()
	// The token is taken once, on the first decision, and given back if
	// nothing was stored (a redelivery or a failure the platform retries).
	var g *gate
	err := e.commitLoop(ctx, "handle", func(ctx context.Context) (*turn, error) {
		conv, ct, ctStored, err := e.load(ctx, m, key)
		if err != nil {
			return nil, err
		}
		now := e.cfg.Now()
		if g == nil && !conv.State.WithHuman() {
			v := e.limits.take(limitKey(m), now)
			g = &v
		}
		var lim gate
		if g != nil {
			lim = *g
		}
		t := e.decide(conv, ct, m, now, lim)
		if ctStored && t.change.Contact != nil && *t.change.Contact == ct {
			t.change.Contact = nil // unchanged: no write
		}
		return t, nil
	})
	if err != nil {
		if g != nil {
			g.undo()
		}
		return err
	}
	e.cfg.Observer.Processed(m.Channel, time.Since(start))
	return nil
}

// limitKey is the contact a message counts against.
func limitKey(m Message) string {
	if m.ContactID == "" {
		return m.Channel + ":chat:" + m.ChatID
	}
	return m.Channel + ":" + m.ContactID
}

// load returns the conversation of m's chat and m's contact, from the
// cache or the store; missing ones are new (not stored yet), and ctStored
// tells whether the contact was.
func (e *Engine) load(ctx context.Context, m Message, key string) (conv Conversation, ct Contact, ctStored bool, err error) {
	newConv := Conversation{Channel: m.Channel, ChatID: m.ChatID, State: StateBot}
	newContact := Contact{Channel: m.Channel, ContactID: m.ContactID}
	conv, convOK := e.cache.conv(key)
	ct, ctOK := e.cache.contact(m.Channel + ":" + m.ContactID)
	ctStored = ctOK
	if l, ok := e.cfg.Store.(ChatLoader); ok && !convOK && !ctOK {
		cs, err := l.LoadChat(ctx, m.Channel, m.ChatID, m.ContactID)
		if err != nil {
			return conv, ct, false, err
		}
		conv, ct = cs.Conversation, cs.Contact
		if !cs.ConversationFound {
			conv = newConv
		}
		if !cs.ContactFound {
			ct = newContact
		}
		convOK, ctOK, ctStored = true, true, cs.ContactFound
	}
	if !convOK {
		c, err := e.cfg.Store.Conversation(ctx, m.Channel, m.ChatID)
		if conv, _, err = orMissing(c, err, newConv); err != nil {
			return conv, ct, false, err
		}
	}
	if caps, ok := e.cfg.Channels[m.Channel]; ok {
		conv.Caps = caps
	}
	if !ctOK {
		c, err := e.cfg.Store.Contact(ctx, m.Channel, m.ContactID)
		if ct, ctStored, err = orMissing(c, err, newContact); err != nil {
			return conv, ct, false, err
		}
	}
	return conv, ct, ctStored, nil
}

// orMissing returns what a store read found, or missing (and found false)
// when it was ErrNotFound.
func orMissing[T any](v T, err error, missing T) (_ T, found bool, _ error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return missing, false, nil
	case err != nil:
		return v, false, err
	}
	return v, true, nil
}

// commitLoop decides and commits, deciding again when the conversation
// changed under it (ErrConflict).
func (e *Engine) commitLoop(ctx context.Context, op string, decide func(context.Context) (*turn, error)) error {
	var err error
	for range maxConflicts {
		var t *turn
		if t, err = decide(ctx); err != nil {
			return fmt.Errorf("engine: %s: %w", op, err)
		}
		if t == nil {
			return nil
		}
		if e.cfg.Courier != nil && len(t.change.Out) > 0 {
			l := e.cfg.Courier.Lease()
			t.change.Lease = &l
		}
		var res Committed
		res, err = e.cfg.Store.Commit(ctx, t.change)
		key := t.change.Conversation.Key()
		if errors.Is(err, ErrConflict) {
			// Changed elsewhere (or erased): read both again.
			e.cache.drop(key)
			e.cache.dropContact(t.change.Contact)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrDuplicate) {
				e.cache.drop(key)
			}
			return fmt.Errorf("engine: %s: %w", op, err)
		}
		c := t.change.Conversation
		c.ID, c.Version = res.ConvID, res.Version
		if res.HandoffID != 0 {
			c.HandoffID = res.HandoffID
		}
		e.cache.put(c, t.change.Contact)
		e.handOver(t.change, res)
		e.observe(t)
		if t.notify != nil && e.cfg.Desk != nil {
			t.notify(ctx, res)
		}
		return nil
	}
	return fmt.Errorf("engine: %s: gave up after %d conflicts: %w", op, maxConflicts, err)
}

// handOver gives the replies of a commit to the dispatcher: directly when
// the store leased them to this process, else as a reason to claim.
func (e *Engine) handOver(c Change, res Committed) {
	if e.cfg.Courier == nil || len(c.Out) == 0 {
		return
	}
	if !res.Leased {
		e.cfg.Courier.Queued(res.ConvID)
		return
	}
	items := make([]OutboxItem, len(c.Out))
	for i, o := range c.Out {
		o.ID = res.OutboxIDs[i]
		items[i] = OutboxItem{Outbound: o, ConvID: res.ConvID, Status: OutboxPending, NextAt: c.At,
			CreatedAt: c.At, LeaseUntil: c.Lease.Until}
	}
	e.cfg.Courier.Deliver(items)
}

// observe reports a committed turn to the Observer.
func (e *Engine) observe(t *turn) {
	o, c := e.cfg.Observer, &t.change
	ch := c.Conversation.Channel
	if c.Inbound != nil {
		o.Inbound(ch)
	}
	if t.limited {
		o.RateLimited(ch)
	}
	if t.match != nil {
		o.Matched(ch, *t.match)
	}
	for _, f := range c.Feedback {
		o.Feedback(f.Intent, f.Helpful)
	}
	if t.resolved {
		o.Resolved(ch)
	}
	if c.Handoff != nil && c.Handoff.Create {
		o.HandoffStarted(ch, c.Handoff.H.Reason)
	}
	if c.CSAT != nil {
		o.CSAT(ch, c.CSAT.Score)
	}
}

// speak returns l when the knowledge base speaks it, else its first
// language (the fallback).
func (e *Engine) speak(l Lang) Lang {
	if Speaks(e.cfg.Knowledge, l) {
		return l
	}
	return e.cfg.Knowledge.Langs()[0]
}

// kind is the kind of intent i; an unknown intent is "".
func (e *Engine) kind(i Intent) IntentKind {
	k, _ := e.cfg.Knowledge.Kind(i)
	return k
}

// text is the interface string key in language l.
func (e *Engine) text(l Lang, key string, vars map[string]string) string {
	return e.cfg.Knowledge.Text(l, key, vars)
}

// deskErr logs a failed agent-side notification: the database stays the
// source of truth (the queue is listed from it), so it is not fatal.
func (e *Engine) deskErr(op string, err error) {
	if err != nil {
		e.log.Warn("agent desk notification failed", "op", op, "err", err)
	}
}

// Run performs the engine's timed work until ctx ends: telling clients
// whose handoff waits too long that the team will follow up.
func (e *Engine) Run(ctx context.Context) error {
	every := e.cfg.QueueNotice / 10
	if every > 30*time.Second {
		every = 30 * time.Second
	}
	if every < 100*time.Millisecond {
		every = 100 * time.Millisecond
	}
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
			if err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("engine sweep failed", "err", err)
			}
		}
	}
}
