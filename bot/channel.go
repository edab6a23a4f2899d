package bot

import "context"

// Outbound is one message the outbox asks a channel to deliver.
type Outbound struct {
	ID      int64  // outbox row id (stable across retries; use it as an idempotency key where the platform has one)
	Channel string // channel name
	ChatID  string // platform chat id to deliver to
	Reply   Reply  // already rendered for the channel's Capabilities
	Lang    Lang   // language of the conversation
	Kind    string // "bot", "agent", "csat", "notice": lets a channel apply window rules
}

// Channel delivers replies on one platform (Telegram, SMS, WhatsApp, Discord,
// Slack, console).
//
// Name and Capabilities are called at wiring time and must be constant.
// Send is called by the outbox dispatcher, never concurrently for one
// conversation. It blocks until the platform accepted or refused the message
// (or ctx ends) and returns the platform's message id. Errors: a
// *RetryAfterError is transient and is retried no sooner than its After; an
// error wrapping ErrPermanent is final (dead letter, reported to the agent
// side); any other error is retried with exponential backoff.
type Channel interface {
	Name() string
	Capabilities() Capabilities
	Send(ctx context.Context, o Outbound) (platformID string, err error)
}

// Handler accepts inbound messages; the engine implements it.
//
// Handle is called by a channel for every verified inbound delivery, from
// any goroutine. It returns once the message, the state change and the
// replies are committed (not yet sent). An error wrapping ErrDuplicate means
// the delivery was seen before: acknowledge it and do nothing. Any other
// error means nothing was stored and the platform should redeliver (a
// webhook answers 5xx).
type Handler interface {
	Handle(ctx context.Context, m Message) error
}

// Receiver is implemented by channels that pull messages (Telegram long
// polling, the Discord gateway, Slack Socket Mode, the console). Run blocks
// until ctx ends or the connection fails for good, handing each message to h.
type Receiver interface {
	Run(ctx context.Context, h Handler) error
}
