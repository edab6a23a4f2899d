// Package twilio connects the bot to SMS and WhatsApp through Twilio
// Programmable Messaging, with the official SDK (github.com/twilio/twilio-go).
//
// One signed webhook (WebhookPath) receives both channels: a From address
// starting with "whatsapp:" is WhatsApp, anything else SMS. It answers at once
// with empty TwiML; replies go out later through the REST Messages API when
// the outbox calls Send on the "sms" or "whatsapp" bot.Channel.
//
// Deliveries are not deduplicated here: every verified delivery reaches the
// bot.Handler with PlatformID = MessageSid, and the engine dedupes on
// (channel, PlatformID). SMS opt-outs and the WhatsApp 24-hour window are kept
// in a Store, which must be persistent in production.
package twilio

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Channel names.
const (
	NameSMS      = "sms"
	NameWhatsApp = "whatsapp"
)

// WebhookPath is where Twilio's "A message comes in" webhook is mounted, and
// what the signature is checked against (appended to Config.PublicURL).
const WebhookPath = "/webhooks/twilio"

// DefaultAPIURL is Twilio's public REST API.
const DefaultAPIURL = "https://api.twilio.com"

// whatsappPrefix marks WhatsApp addresses in From and To.
const whatsappPrefix = "whatsapp:"

// Config configures both Twilio channels.
type Config struct {
	AccountSID string // "AC…"
	AuthToken  string // signs webhooks and authenticates REST calls; never logged
	// SMSFrom is the Twilio number replies are sent from (E.164); empty
	// turns SMS off.
	SMSFrom string
	// WhatsAppFrom is the WhatsApp sender, "+1…" or "whatsapp:+1…"; empty
	// turns WhatsApp off.
	WhatsAppFrom string
	// PublicURL is the external base URL at which Twilio reaches this
	// server (SUPPORTBOT_PUBLIC_URL); signatures are computed over
	// PublicURL + WebhookPath.
	PublicURL string
	// APIURL is the REST API base URL (default DefaultAPIURL); requests
	// keep their path and are sent to this scheme, host and path prefix.
	APIURL     string
	HTTPClient *http.Client // default: 15 s timeout
	Logger     *slog.Logger // default: slog.Default()
	Store      Store        // opt-outs and the WhatsApp window; required
	Audience   bot.Audience // default bot.Client
	Now        func() time.Time
}

// Twilio holds the shared client state of the SMS and WhatsApp channels.
type Twilio struct {
	accountSID string
	authToken  string
	publicURL  string
	api        *url.URL
	hc         *http.Client
	log        *slog.Logger
	store      Store
	audience   bot.Audience
	now        func() time.Time

	sms, whatsapp *Channel

	// sent remembers the parts of a split message already accepted by
	// Twilio, so that a retry of the same outbox row does not repeat them.
	mu   sync.Mutex
	sent map[progressKey][]string
}

type progressKey struct {
	channel string
	id      int64
}

// maxProgress bounds the sent map; rows only stay in it while a split
// message is half delivered.
const maxProgress = 10000

// New checks cfg and builds the channels. It makes no network calls.
func New(cfg Config) (*Twilio, error) {
	if cfg.AccountSID == "" || cfg.AuthToken == "" {
		return nil, errors.New("twilio: account SID and auth token are required")
	}
	// The SDK refuses other characters on every call (errors 21222/21224),
	// which would otherwise surface only as failed sends.
	if !alnum(cfg.AccountSID) || !alnum(cfg.AuthToken) {
		return nil, errors.New("twilio: account SID and auth token may only hold letters and digits")
	}
	if cfg.SMSFrom == "" && cfg.WhatsAppFrom == "" {
		return nil, errors.New("twilio: set an SMS or a WhatsApp sender")
	}
	if cfg.Store == nil {
		return nil, errors.New("twilio: a Store is required (opt-outs and the WhatsApp window)")
	}
	pub, err := url.Parse(cfg.PublicURL)
	if err != nil || pub.Scheme == "" || pub.Host == "" {
		return nil, errors.New("twilio: public URL must be an absolute URL (webhook signatures are checked against it)")
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	api, err := url.Parse(cfg.APIURL)
	if err != nil || api.Scheme == "" || api.Host == "" {
		return nil, fmt.Errorf("twilio: API URL %q must be an absolute URL", cfg.APIURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Audience == "" {
		cfg.Audience = bot.Client
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Twilio{
		accountSID: cfg.AccountSID,
		authToken:  cfg.AuthToken,
		publicURL:  strings.TrimRight(cfg.PublicURL, "/"),
		api:        api,
		hc:         cfg.HTTPClient,
		log:        cfg.Logger.With("component", "twilio"),
		store:      cfg.Store,
		audience:   cfg.Audience,
		now:        cfg.Now,
		sent:       map[progressKey][]string{},
	}
	if cfg.SMSFrom != "" {
		t.sms = &Channel{t: t, name: NameSMS, from: strings.TrimPrefix(cfg.SMSFrom, whatsappPrefix)}
	}
	if cfg.WhatsAppFrom != "" {
		t.whatsapp = &Channel{t: t, name: NameWhatsApp, from: whatsappAddr(cfg.WhatsAppFrom)}
	}
	return t, nil
}

// SMS returns the SMS channel, or nil when SMSFrom is not set.
func (t *Twilio) SMS() bot.Channel {
	if t.sms == nil {
		return nil
	}
	return t.sms
}

// WhatsApp returns the WhatsApp channel, or nil when WhatsAppFrom is not set.
func (t *Twilio) WhatsApp() bot.Channel {
	if t.whatsapp == nil {
		return nil
	}
	return t.whatsapp
}

// Channels returns the configured channels (SMS first).
func (t *Twilio) Channels() []bot.Channel {
	var cs []bot.Channel
	if t.sms != nil {
		cs = append(cs, t.sms)
	}
	if t.whatsapp != nil {
		cs = append(cs, t.whatsapp)
	}
	return cs
}

// WebhookURL is the URL to configure in the Twilio console as the number's
// "A message comes in" webhook (HTTP POST).
func (t *Twilio) WebhookURL() string { return t.publicURL + WebhookPath }

func whatsappAddr(s string) string {
	if strings.HasPrefix(s, whatsappPrefix) {
		return s
	}
	return whatsappPrefix + s
}

func alnum(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
