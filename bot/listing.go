package bot

import "time"

// ConversationFilter selects conversations for the staff dashboard; zero
// fields match everything.
type ConversationFilter struct {
	State   State
	Channel string
	Lang    Lang
	Limit   int // newest first; 0: a store default (100)
}

// ConversationSummary is one row of the dashboard's conversation list.
type ConversationSummary struct {
	Conversation
	Name     string // the contact's display name ("" if unknown)
	Messages int    // transcript lines
}

// DayActivity is one UTC day of activity for the dashboard's chart.
type DayActivity struct {
	Day           time.Time // midnight UTC
	Conversations int       // distinct conversations with a client message
	ResolvedByBot int       // distinct conversations with helpful feedback
	HandedOff     int       // handoffs created
}
