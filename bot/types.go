// Package bot holds the conversation engine and the domain types every other
// package speaks. It imports no messaging platform: channels, the matcher, the
// knowledge base and the stores plug in through the interfaces declared here.
package bot

import "time"

// Lang is an ISO 639-1 language code such as "es" or "pt". The languages
// the bot speaks are the knowledge base's (Knowledge.Langs).
type Lang string

// Audience says who is writing: a client (end user) or staff (a professional
// or support agent). Channels set it from their configuration.
type Audience string

// Audiences.
const (
	Client Audience = "client"
	Staff  Audience = "staff"
)

// Intent is an intent id from the knowledge base (an article's front
// matter). What the engine does with it hangs off its kind
// (Knowledge.Kind), never off the id.
type Intent string

// NoIntent is the intent of a message nothing matched.
const NoIntent Intent = ""

// IntentKind says how the engine treats an intent.
type IntentKind string

// Intent kinds, from an article's front matter.
const (
	AnswerIntent     IntentKind = "answer"       // a help article, then "did this answer?"
	HandoffIntent    IntentKind = "handoff"      // the client asks for a person
	GreetingIntent   IntentKind = "greeting"     // hello: the welcome and the topics
	ThanksIntent     IntentKind = "thanks"       // thanks, it worked, bye
	OutOfScopeIntent IntentKind = "out_of_scope" // examples of what the bot does not handle
)

// Valid reports whether k is one of the kinds.
func (k IntentKind) Valid() bool {
	switch k {
	case AnswerIntent, HandoffIntent, GreetingIntent, ThanksIntent, OutOfScopeIntent:
		return true
	}
	return false
}

// Social reports whether the kind is small talk (greeting or thanks): such
// words also wrap real questions, so they yield to one.
func (k IntentKind) Social() bool { return k == GreetingIntent || k == ThanksIntent }

// Message is one normalized inbound message, whatever platform it came from.
type Message struct {
	Channel     string    // channel name: "telegram", "sms", "whatsapp", "discord", "slack", "console"
	ChatID      string    // platform chat id; with Channel it forms the conversation key
	ContactID   string    // platform user id of the sender
	DisplayName string    // sender's name as the platform shows it (may be empty)
	Text        string    // message text as received (may be empty or invalid UTF-8)
	Payload     string    // button payload when a button was pressed, else ""
	Locale      string    // platform locale hint such as "es-MX" (may be empty)
	Audience    Audience  // client or staff, from the channel's configuration
	PlatformID  string    // platform message id, the dedupe key with Channel
	Media       bool      // the message carried media (photo, voice, sticker, file)
	Time        time.Time // when the platform says it was sent
}

// ConversationKey identifies a conversation: one chat on one channel.
func (m Message) ConversationKey() string { return m.Channel + ":" + m.ChatID }

// Button is one quick-reply option. Payload comes back in Message.Payload.
type Button struct {
	Label   string
	Payload string
}

// Reply is what the engine wants said. Channels render it within their
// Capabilities (buttons or numbered options, length limits).
type Reply struct {
	Text    string
	Buttons []Button
}

// Capabilities is what a channel declares about how it can show a reply.
type Capabilities struct {
	Buttons   bool // true: native buttons; false: numbered options in text
	MaxLen    int  // longest single message the platform accepts (0: no limit)
	ShortForm bool // prefer the short answer form (SMS)
	Markdown  bool // the platform renders *bold* and lists
	Relayable bool // agent replies can be relayed to this channel
}
