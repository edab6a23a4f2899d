package bot

import "time"

// Observer receives the engine's and the dispatcher's measurements (the
// Prometheus metrics in production).
//
// Its methods are called synchronously on the hot path, after the event
// they describe was committed or attempted; they must not block or do I/O
// and must be safe for concurrent use. They cannot fail.
type Observer interface {
	// Inbound: a message from a contact was committed (after dedupe).
	Inbound(channel string)
	// Matched: the matcher's result for one inbound text.
	Matched(channel string, m Match)
	// Processed: time from Handle's start to the commit of its change.
	Processed(channel string, d time.Duration)
	// HandoffStarted: a conversation joined the agents' queue; reason is
	// the Handoff's ("requested", "misunderstood", "needs_staff",
	// "unhelpful").
	HandoffStarted(channel, reason string)
	// Resolved: the bot resolved a conversation (the client said the answer
	// helped). With HandoffStarted it gives the containment rate.
	Resolved(channel string)
	// RateLimited: an inbound message was stored but not answered because
	// its contact wrote faster than Config.RateLimit.
	RateLimited(channel string)
	// Feedback: the client answered "did this answer your question?".
	Feedback(intent Intent, helpful bool)
	// CSAT: a 1–5 satisfaction score was recorded.
	CSAT(channel string, score int)
	// Sent: one outbox delivery attempt and its outcome ("sent", "retry",
	// "dead"), with the time the Send call took.
	Sent(channel, outcome string, d time.Duration)
}

// nopObserver is the default Observer.
type nopObserver struct{}

func (nopObserver) Inbound(string)                     {}
func (nopObserver) Matched(string, Match)              {}
func (nopObserver) Processed(string, time.Duration)    {}
func (nopObserver) HandoffStarted(string, string)      {}
func (nopObserver) Resolved(string)                    {}
func (nopObserver) RateLimited(string)                 {}
func (nopObserver) Feedback(Intent, bool)              {}
func (nopObserver) CSAT(string, int)                   {}
func (nopObserver) Sent(string, string, time.Duration) {}
