package bot

import "time"

// ContactExport is everything a store holds about one contact
// (Privacy.ExportContact), in the JSON form `supportbot data export` and
// the dashboard give out. Times are UTC; zero times are omitted.
type ContactExport struct {
	Channel   string `json:"channel"`
	ContactID string `json:"contact_id"`
	// Contact is the contact record (nil when there is none).
	Contact       *ExportedContact       `json:"contact"`
	Conversations []ExportedConversation `json:"conversations"`
	// Elsewhere are the contact's messages in conversations it shares
	// with other clients (a group chat).
	Elsewhere  []ExportedMessage   `json:"messages_in_shared_conversations,omitempty"`
	ChatStates []ExportedChatState `json:"chat_states,omitempty"`
}

// Messages counts every message of the export.
func (x ContactExport) Messages() int {
	n := len(x.Elsewhere)
	for _, c := range x.Conversations {
		n += len(c.Messages)
	}
	return n
}

// ExportedContact is a contact record.
type ExportedContact struct {
	Name      string     `json:"name"`
	Lang      Lang       `json:"lang"`
	Audience  Audience   `json:"audience"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// ExportedConversation is one conversation with all that hangs on it.
type ExportedConversation struct {
	ID         int64              `json:"id"`
	Channel    string             `json:"channel"`
	ChatID     string             `json:"chat_id"`
	State      State              `json:"state"`
	Lang       Lang               `json:"lang"`
	Agent      string             `json:"agent,omitempty"`
	CreatedAt  *time.Time         `json:"created_at,omitempty"`
	UpdatedAt  *time.Time         `json:"updated_at,omitempty"`
	Messages   []ExportedMessage  `json:"messages"`
	Handoffs   []ExportedHandoff  `json:"handoffs"`
	Feedback   []ExportedFeedback `json:"feedback"`
	Deliveries []ExportedDelivery `json:"deliveries"`
}

// ExportedMessage is one transcript line.
type ExportedMessage struct {
	ID         int64            `json:"id"`
	ConvID     int64            `json:"conversation_id"`
	At         *time.Time       `json:"at,omitempty"`
	Kind       string           `json:"kind"`
	Author     string           `json:"author"`
	Text       string           `json:"text"`
	Buttons    []ExportedButton `json:"buttons,omitempty"`
	PlatformID string           `json:"platform_id,omitempty"`
	Intent     Intent           `json:"intent,omitempty"`
	Lang       Lang             `json:"lang,omitempty"`
	Verdict    Verdict          `json:"verdict,omitempty"`
}

// ExportedButton is an option offered with a message.
type ExportedButton struct {
	Label   string `json:"label"`
	Payload string `json:"payload"`
}

// ExportedHandoff is one request for a human, with its CSAT score.
type ExportedHandoff struct {
	ID         int64         `json:"id"`
	Reason     string        `json:"reason"`
	Status     HandoffStatus `json:"status"`
	Agent      string        `json:"agent,omitempty"`
	Lang       Lang          `json:"lang,omitempty"`
	CreatedAt  *time.Time    `json:"created_at,omitempty"`
	TakenAt    *time.Time    `json:"taken_at,omitempty"`
	ResolvedAt *time.Time    `json:"resolved_at,omitempty"`
	CSAT       int           `json:"csat,omitempty"`
}

// ExportedFeedback is one answer to "did this answer your question?".
type ExportedFeedback struct {
	Intent  Intent     `json:"intent"`
	Lang    Lang       `json:"lang"`
	Helpful bool       `json:"helpful"`
	At      *time.Time `json:"at,omitempty"`
}

// ExportedDelivery is the delivery record of one reply.
type ExportedDelivery struct {
	ID        int64        `json:"id"`
	MessageID int64        `json:"message_id"`
	ChatID    string       `json:"chat_id"`
	Kind      string       `json:"kind"`
	Status    OutboxStatus `json:"status"`
	Attempts  int          `json:"attempts"`
	LastError string       `json:"last_error,omitempty"`
	CreatedAt *time.Time   `json:"created_at,omitempty"`
	SentAt    *time.Time   `json:"sent_at,omitempty"`
}

// ExportedChatState is the per-chat delivery state of a channel.
type ExportedChatState struct {
	ChatID      string     `json:"chat_id"`
	OptedOut    bool       `json:"opted_out"`
	LastInbound *time.Time `json:"last_inbound,omitempty"`
}
