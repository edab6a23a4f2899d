package discordfake

// Discord objects as the gateway and the REST API spell them
// (https://discord.com/developers/docs), only the fields the bot uses.

// User is a Discord user.
type User struct {
	ID         string `json:"id"`
	Username   string `json:"username"`
	GlobalName string `json:"global_name,omitempty"`
	Bot        bool   `json:"bot,omitempty"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	URL      string `json:"url"`
	Size     int    `json:"size"`
}

// StickerItem is a sticker sent in a message.
type StickerItem struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	FormatType int    `json:"format_type"`
}

// Message is a MESSAGE_CREATE payload.
type Message struct {
	ID           string        `json:"id"`
	ChannelID    string        `json:"channel_id"`
	GuildID      string        `json:"guild_id,omitempty"`
	Author       User          `json:"author"`
	Content      string        `json:"content"`
	Timestamp    string        `json:"timestamp"`
	Mentions     []User        `json:"mentions"`
	Attachments  []Attachment  `json:"attachments"`
	StickerItems []StickerItem `json:"sticker_items,omitempty"`
	Components   []Row         `json:"components,omitempty"`
}

// Row is an action row (type 1) of components.
type Row struct {
	Type       int      `json:"type"`
	Components []Button `json:"components"`
}

// Button is a button component (type 2).
type Button struct {
	Type     int    `json:"type"`
	Style    int    `json:"style"`
	Label    string `json:"label"`
	CustomID string `json:"custom_id,omitempty"`
	URL      string `json:"url,omitempty"`
}

// Member is a guild member.
type Member struct {
	User User `json:"user"`
}

// Interaction is an INTERACTION_CREATE payload for a component press.
type Interaction struct {
	ID            string          `json:"id"`
	ApplicationID string          `json:"application_id"`
	Type          int             `json:"type"`
	Token         string          `json:"token"`
	Version       int             `json:"version"`
	ChannelID     string          `json:"channel_id"`
	GuildID       string          `json:"guild_id,omitempty"`
	User          *User           `json:"user,omitempty"`
	Member        *Member         `json:"member,omitempty"`
	Locale        string          `json:"locale,omitempty"`
	Data          InteractionData `json:"data"`
	Message       *Message        `json:"message,omitempty"`
}

// InteractionData is the data of a component interaction.
type InteractionData struct {
	CustomID      string `json:"custom_id"`
	ComponentType int    `json:"component_type"`
}

// AllowedMentions is the allowed_mentions of a created message.
type AllowedMentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users,omitempty"`
}

// payload is one gateway frame.
type payload struct {
	Op int    `json:"op"`
	S  *int64 `json:"s,omitempty"`
	T  string `json:"t,omitempty"`
	D  any    `json:"d"`
}
