// Package bot holds the conversation engine and the domain types every other
// package speaks. It imports no messaging platform: channels, the matcher, the
// knowledge base and the stores plug in through the interfaces declared here.
package bot

import "time"

// Lang is an ISO 639-1 language code. The bot speaks es, fr and en.
type Lang string

// Supported languages.
const (
	LangES Lang = "es"
	LangFR Lang = "fr"
	LangEN Lang = "en"
)

// Langs lists the supported languages in a stable order.
var Langs = []Lang{LangES, LangFR, LangEN}

// Valid reports whether l is a supported language.
func (l Lang) Valid() bool { return l == LangES || l == LangFR || l == LangEN }

// Audience says who is writing: a client (end user) or staff (a professional
// or support agent). Channels set it from their configuration.
type Audience string

// Audiences.
const (
	Client Audience = "client"
	Staff  Audience = "staff"
)

// Intent is a fixed intent id such as "forgot_password". The evaluation sets
// depend on these ids, so they never change.
type Intent string

// The intent ids.
const (
	InvalidCredentials Intent = "invalid_credentials"
	ForgotPassword     Intent = "forgot_password"
	SpamFolder         Intent = "spam_folder"
	CodeNotReceived    Intent = "code_not_received"
	CodeEveryTime      Intent = "code_every_time"
	CodeRejected       Intent = "code_rejected"
	AccountDisabled    Intent = "account_disabled"
	AppVersion         Intent = "app_version"
	ChangePassword     Intent = "change_password"
	LinkedEmail        Intent = "linked_email"
	TemporaryPassword  Intent = "temporary_password"
	HumanAgent         Intent = "human_agent"
	Greeting           Intent = "greeting"
	Thanks             Intent = "thanks"
	None               Intent = "none"
)

// Intents lists every intent id, None last.
var Intents = []Intent{
	InvalidCredentials, ForgotPassword, SpamFolder, CodeNotReceived,
	CodeEveryTime, CodeRejected, AccountDisabled, AppVersion, ChangePassword,
	LinkedEmail, TemporaryPassword, HumanAgent, Greeting, Thanks, None,
}

// Known reports whether i is one of the fixed intent ids.
func (i Intent) Known() bool {
	for _, k := range Intents {
		if k == i {
			return true
		}
	}
	return false
}

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
