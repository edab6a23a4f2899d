package bot

import (
	"context"
	"time"
)

// State is where a conversation is in the handoff life cycle.
type State string

// Conversation states: bot → waiting_for_agent → with_agent → resolved (the
// bot answers again in resolved, exactly as in bot).
const (
	StateBot      State = "bot"
	StateWaiting  State = "waiting_for_agent"
	StateWithAgt  State = "with_agent"
	StateResolved State = "resolved"
)

// WithHuman reports whether the bot must stay silent and relay to agents.
func (s State) WithHuman() bool { return s == StateWaiting || s == StateWithAgt }

// Contact is one person on one channel.
type Contact struct {
	Channel   string
	ContactID string
	Name      string
	Lang      Lang // remembered language ("" until known)
	Audience  Audience
}

// Conversation is one chat on one channel with its dialogue state.
type Conversation struct {
	ID        int64 // 0: not stored yet
	Channel   string
	ChatID    string
	ContactID string // the last client who wrote
	State     State
	Lang      Lang
	Audience  Audience
	Agent     string       // assigned agent while with_agent
	HandoffID int64        // open handoff (waiting or taken), 0 when none
	Caps      Capabilities // of the channel, so other processes can render for it
	Dialog    Dialog       // what the bot asked last
	// Version is bumped by every Commit; a Commit whose Conversation.Version
	// differs from the stored one fails with ErrConflict.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Key returns the conversation key (channel:chat).
func (c Conversation) Key() string { return c.Channel + ":" + c.ChatID }

// Awaiting says which answer the bot expects to its last question.
type Awaiting string

// What the bot may be waiting for.
const (
	AwaitNothing  Awaiting = ""
	AwaitFeedback Awaiting = "feedback" // "did this answer your question?"
	AwaitClarify  Awaiting = "clarify"  // "did you mean A or B?"
	AwaitHandoff  Awaiting = "handoff"  // "shall I get a person?"
	AwaitCSAT     Awaiting = "csat"     // 1–5 after an agent resolved
)

// Dialog is the engine's memory of the last exchange, stored with the
// conversation.
type Dialog struct {
	Awaiting    Awaiting `json:"awaiting,omitempty"`
	Options     []Button `json:"options,omitempty"`      // offered options: "1" means Options[0]
	Intent      Intent   `json:"intent,omitempty"`       // last answered intent
	Next        []Intent `json:"next,omitempty"`         // plausible next-best answers, best first
	NextTried   bool     `json:"next_tried,omitempty"`   // the next-best answer was given once
	Misses      int      `json:"misses,omitempty"`       // misunderstandings in a row
	CSATHandoff int64    `json:"csat_handoff,omitempty"` // the handoff a CSAT score is for
	HandoffWhy  string   `json:"handoff_why,omitempty"`
}

// Entry kinds in a transcript.
const (
	KindClient = "client" // inbound from the client
	KindBot    = "bot"    // bot reply
	KindAgent  = "agent"  // agent reply relayed to the client
	KindNote   = "note"   // internal agent note, never sent
	KindNotice = "notice" // bot notice (queued too long, off hours)
	KindCSAT   = "csat"   // satisfaction question
)

// Entry is one line of a transcript.
type Entry struct {
	ID         int64
	ConvID     int64
	Kind       string
	Author     string // contact id, agent name or "bot"
	Text       string
	Buttons    []Button
	PlatformID string // inbound: the dedupe key; outbound: set once sent
	Intent     Intent // inbound: matched intent ("" when not matched)
	Lang       Lang
	Verdict    Verdict
	Confidence float64
	At         time.Time
}

// OutboxStatus is the delivery state of one outbound message.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxPending OutboxStatus = "pending"
	OutboxSent    OutboxStatus = "sent"
	OutboxDead    OutboxStatus = "dead"
)

// OutboxItem is one queued outbound message with its delivery state.
type OutboxItem struct {
	Outbound
	ConvID int64
	// LeaseUntil is when this process's lease on the row ends (set by
	// ClaimOutbox and for rows leased at commit); past it, another process
	// may send the row.
	LeaseUntil time.Time
	Status     OutboxStatus
	Attempts   int
	NextAt     time.Time
	LastError  string
	CreatedAt  time.Time
}

// HandoffStatus is the life cycle of one request for a human.
type HandoffStatus string

// Handoff statuses.
const (
	HandoffWaiting  HandoffStatus = "waiting"
	HandoffTaken    HandoffStatus = "taken"
	HandoffResolved HandoffStatus = "resolved"
)

// Handoff is one request for a human agent.
type Handoff struct {
	ID         int64
	ConvID     int64
	Channel    string
	ChatID     string
	ContactID  string
	Lang       Lang
	Audience   Audience
	Reason     string // "requested", "misunderstood", "needs_staff", "unhelpful"
	Status     HandoffStatus
	Agent      string
	CreatedAt  time.Time
	TakenAt    time.Time // zero until taken
	ResolvedAt time.Time // zero until resolved
	NoticeAt   time.Time // when the client was told the team will follow up
	CSAT       int       // 0 until the client scored 1–5
}

// HandoffChange creates or updates a handoff inside a Commit.
type HandoffChange struct {
	Create bool    // insert a new handoff from the fields below (ID ignored)
	H      Handoff // for updates: ID plus the new Status/Agent/times/CSAT
}

// Feedback is one answer to "did this answer your question?".
type Feedback struct {
	Intent  Intent
	Lang    Lang
	Helpful bool
}

// Change is everything one event does to a conversation. A Store applies it
// in one transaction.
type Change struct {
	// Inbound is the client's message (nil for agent actions and timers).
	// Its (channel, PlatformID) is the dedupe key when PlatformID is set.
	Inbound *Entry
	Contact *Contact // upserted when set
	// Conversation is the new state. ID 0 creates it; otherwise its Version
	// must equal the stored version (optimistic lock).
	Conversation Conversation
	Entries      []Entry    // notes and other transcript lines that are not sent
	Out          []Outbound // replies: stored in the transcript and queued in the outbox
	Handoff      *HandoffChange
	Feedback     []Feedback
	CSAT         *CSAT // a satisfaction score for a resolved handoff
	At           time.Time
	// Lease, when set, asks the store to lease the replies of Out to the
	// dispatcher of the committing process, provided every earlier pending
	// reply of the conversation is leased to that same dispatcher past
	// Lease.Now: it then sends them itself, after those and in order,
	// without claiming them (Committed.Leased). Otherwise they are queued
	// unleased behind the earlier ones.
	Lease *Lease
}

// Lease reserves outbox rows for one dispatcher.
type Lease struct {
	Owner string    // the dispatcher: unique to one process and start
	Now   time.Time // when it is taken, on the dispatcher's clock
	Until time.Time // when it ends
}

// CSAT is a client's 1–5 satisfaction score for one handoff.
type CSAT struct {
	HandoffID int64
	Score     int
}

// Committed is what a Commit assigned.
type Committed struct {
	ConvID    int64
	HandoffID int64 // the handoff created, if any
	Version   int64 // the conversation's new version
	OutboxIDs []int64
	// Leased reports that the rows of OutboxIDs are leased as
	// Change.Lease asked.
	Leased bool
}

// DeliveryResult is the outcome of one Send, recorded by MarkDelivered.
type DeliveryResult struct {
	ID         int64
	Sent       bool
	PlatformID string    // when Sent
	Dead       bool      // give up: dead letter
	NextAt     time.Time // when neither Sent nor Dead: retry no sooner
	// Released: the send was not attempted (an earlier reply of the
	// conversation failed first). The lease is given back; attempts and
	// the due time are unchanged.
	Released bool
	Error    string // last error text (never message content)
	At       time.Time
}

// ReportData is the aggregate behind `supportbot report`.
type ReportData struct {
	Since          time.Time
	Conversations  int
	ResolvedByBot  int
	HandedOff      int
	CSATCount      int
	CSATAverage    float64 // 0 when CSATCount is 0
	Unhelpful      map[Intent]int
	TopIntents     map[Lang][]IntentCount
	Unmatched      []Entry // messages whose verdict was none (content gaps), newest first
	UnmatchedTotal int
}

// IntentCount is one row of a top-intents table.
type IntentCount struct {
	Intent Intent
	Count  int
}

// ChatLoader is implemented by stores for which one call is cheaper than
// Conversation then Contact (a database across the network). The engine
// calls it, when neither is cached, before deciding on an inbound message.
// It blocks on I/O and honours ctx; a missing conversation or contact is
// reported in ChatState, not as an error.
type ChatLoader interface {
	LoadChat(ctx context.Context, channel, chatID, contactID string) (ChatState, error)
}

// ChatState is what LoadChat found.
type ChatState struct {
	Conversation      Conversation
	ConversationFound bool
	Contact           Contact
	ContactFound      bool
}

// Store is the durable state of the bot: contacts, conversations, the
// transcript, handoffs, feedback and the outbox.
//
// Every method is safe for concurrent use by several goroutines and several
// processes sharing the same database. Methods block on I/O and honour ctx.
// Missing records are reported with ErrNotFound.
type Store interface {
	// Conversation loads the conversation of a chat (ErrNotFound if none).
	Conversation(ctx context.Context, channel, chatID string) (Conversation, error)
	// ConversationByID loads a conversation by id (ErrNotFound if none).
	ConversationByID(ctx context.Context, id int64) (Conversation, error)
	// Contact loads a contact (ErrNotFound if none).
	Contact(ctx context.Context, channel, contactID string) (Contact, error)

	// Commit applies c atomically: the inbound message, the contact, the
	// conversation state, transcript entries, outbox rows, the handoff and
	// feedback are all stored or none is. It fails with ErrDuplicate when
	// the inbound (channel, PlatformID) was recorded before, and with
	// ErrConflict when the conversation changed since it was read (or a
	// second conversation would be created for the same chat); the caller
	// reloads and decides again.
	Commit(ctx context.Context, c Change) (Committed, error)

	// ClaimOutbox leases up to limit due pending rows of the given channels
	// for lease, at most one per conversation and only the oldest pending
	// row of each conversation, so a conversation's replies go out in
	// order. A leased row is not claimed again until its lease ends.
	ClaimOutbox(ctx context.Context, channels []string, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	// MarkDelivered records send outcomes (sent, retry later, dead, or
	// released unsent) in one transaction and releases their leases.
	MarkDelivered(ctx context.Context, rs []DeliveryResult) error
	// Outbox lists rows with the given status, newest first.
	Outbox(ctx context.Context, status OutboxStatus, limit int) ([]OutboxItem, error)
	// PendingOutbox counts pending rows of a channel ("" for all).
	PendingOutbox(ctx context.Context, channel string) (int, error)
	// RequeueOutbox puts a dead row back to pending, due now.
	RequeueOutbox(ctx context.Context, id int64, now time.Time) error

	// Handoffs lists handoffs with one of the statuses, oldest first.
	Handoffs(ctx context.Context, statuses ...HandoffStatus) ([]Handoff, error)
	// Handoff loads one handoff (ErrNotFound if none).
	Handoff(ctx context.Context, id int64) (Handoff, error)
	// StaleHandoffs lists waiting handoffs created before olderThan whose
	// client was not yet told the team will follow up.
	StaleHandoffs(ctx context.Context, olderThan time.Time) ([]Handoff, error)
	// Transcript returns the entries of a conversation with id > afterID,
	// oldest first, at most limit (0: all).
	Transcript(ctx context.Context, convID, afterID int64, limit int) ([]Entry, error)

	// Report aggregates activity since a time; unmatched lists at most
	// maxUnmatched messages.
	Report(ctx context.Context, since time.Time, maxUnmatched int) (ReportData, error)

	// Close releases the database.
	Close() error
}
