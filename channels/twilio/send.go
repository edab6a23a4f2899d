package twilio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Window is WhatsApp's customer-service window: free-form messages may only
// be sent this long after the client's last message.
const Window = 24 * time.Hour

// Channel is the SMS or the WhatsApp side of a Twilio account.
type Channel struct {
	t    *Twilio
	name string
	from string
}

var _ bot.Channel = (*Channel)(nil)

// Name implements bot.Channel: "sms" or "whatsapp".
func (c *Channel) Name() string { return c.name }

// Capabilities implements bot.Channel. Neither channel has native buttons
// (the engine renders numbered options). SMS takes the short form within the
// Messages API Body limit of 1,600 characters. WhatsApp takes the full form up
// to WhatsApp's 4,096 characters; Send splits it into messages of at most
// 1,600 characters, since Twilio applies that Body limit to WhatsApp too.
func (c *Channel) Capabilities() bot.Capabilities {
	if c.name == NameSMS {
		return bot.Capabilities{MaxLen: maxBody, ShortForm: true, Relayable: true}
	}
	return bot.Capabilities{MaxLen: maxWhatsApp, Markdown: true, Relayable: true}
}

// Send implements bot.Channel. It refuses for good (bot.ErrPermanent) an SMS
// to a contact who sent STOP, and a WhatsApp message outside the 24-hour
// window since the contact's last message (whatever Outbound.Kind: any
// non-template message is free-form). SMS text is rewritten to GSM-7 where an
// equivalent exists; WhatsApp text gets WhatsApp formatting. Text over 1,600
// characters is sent as several messages and the SIDs are returned joined by
// ","; parts already accepted are not sent again when the same outbox row is
// retried.
func (c *Channel) Send(ctx context.Context, o bot.Outbound) (string, error) {
	to, err := c.recipient(o)
	if err != nil {
		return "", err
	}
	if err := c.allowed(ctx, o, to); err != nil {
		return "", err
	}
	var text string
	if c.name == NameSMS {
		text = ToGSM(withOptions(o.Reply))
	} else {
		text = toWhatsApp(withOptions(o.Reply))
	}
	parts := split(text, maxBody)
	if len(parts) == 0 {
		return "", c.errorf(o.ID, "empty reply: %w", bot.ErrPermanent)
	}

	key := progressKey{c.name, o.ID}
	track := o.ID != 0 && len(parts) > 1
	var sids []string
	if track {
		sids = c.t.progress(key)
	}
	for i := len(sids); i < len(parts); i++ {
		sid, err := c.create(ctx, to, parts[i], o.ID)
		if err != nil {
			if track {
				if errors.Is(err, bot.ErrPermanent) {
					sids = nil // the row is dead: forget it
				}
				c.t.saveProgress(key, sids)
			}
			return "", err
		}
		sids = append(sids, sid)
	}
	if track {
		c.t.saveProgress(key, nil)
	}
	return strings.Join(sids, ","), nil
}

// recipient returns the To address for o: WhatsApp addresses carry the
// "whatsapp:" prefix, SMS ones must not.
func (c *Channel) recipient(o bot.Outbound) (string, error) {
	to := strings.TrimSpace(o.ChatID)
	wa := strings.HasPrefix(to, whatsappPrefix)
	switch {
	case to == "" || to == whatsappPrefix:
		return "", c.errorf(o.ID, "no recipient: %w", bot.ErrPermanent)
	case c.name == NameWhatsApp && !wa:
		to = whatsappPrefix + to
	case c.name == NameSMS && wa:
		return "", c.errorf(o.ID, "WhatsApp recipient on the SMS channel: %w", bot.ErrPermanent)
	}
	return to, nil
}

// allowed applies the SMS opt-out and the WhatsApp window.
func (c *Channel) allowed(ctx context.Context, o bot.Outbound, to string) error {
	if c.name == NameSMS {
		out, err := c.t.store.OptedOut(ctx, c.name, to)
		if err != nil {
			return c.errorf(o.ID, "check opt-out: %w", err)
		}
		if out {
			return c.errorf(o.ID, "recipient opted out (STOP): %w", bot.ErrPermanent)
		}
		return nil
	}
	last, err := c.t.store.LastInbound(ctx, c.name, to)
	if err != nil {
		return c.errorf(o.ID, "check window: %w", err)
	}
	// Unknown (zero) means this process has no record: let Twilio decide,
	// a refusal comes back as error 63016.
	if !last.IsZero() && c.t.now().Sub(last) >= Window {
		return c.errorf(o.ID, "%s message outside the 24-hour window: %w", kindOr(o.Kind), bot.ErrPermanent)
	}
	return nil
}

func kindOr(k string) string {
	if k == "" {
		return "bot"
	}
	return k
}

// create sends one message through the SDK and returns its SID.
func (c *Channel) create(ctx context.Context, to, body string, id int64) (string, error) {
	svc, ct := c.t.service(ctx)
	p := &openapi.CreateMessageParams{}
	p.SetTo(to).SetFrom(c.from).SetBody(body)
	msg, err := svc.CreateMessage(p)
	if err != nil {
		return "", c.mapError(ctx, err, ct, id)
	}
	// Twilio accepts most messages as "queued"; a synchronous refusal can
	// still come back as a failed message with an error code.
	if msg.ErrorCode != nil && *msg.ErrorCode != 0 && msg.Status != nil &&
		(*msg.Status == "failed" || *msg.Status == "undelivered") {
		return "", c.classify(&APIError{Status: ct.status, Code: *msg.ErrorCode}, ct.retryAfter, id)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		return "", c.errorf(id, "response without a message SID")
	}
	if c.t.log.Enabled(ctx, slog.LevelDebug) { // counting segments is not free
		enc, n := Segments(body)
		c.t.log.DebugContext(ctx, "twilio message sent", "channel", c.name, "outbox_id", id,
			"sid", *msg.Sid, "encoding", enc, "segments", n)
	}
	return *msg.Sid, nil
}

// mapError turns an SDK error into the bot.Channel error contract without
// repeating Twilio's message text, which may quote the phone number.
func (c *Channel) mapError(ctx context.Context, err error, ct *callTransport, id int64) error {
	var re *client.TwilioRestError
	if errors.As(err, &re) {
		status := re.Status
		if status == 0 {
			status = ct.status
		}
		return c.classify(&APIError{Status: status, Code: re.Code}, ct.retryAfter, id)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return c.errorf(id, "%w", ctxErr)
	}
	if ct.status >= 300 {
		// An error body that is not Twilio's JSON (e.g. a proxy's 502 page).
		return c.classify(&APIError{Status: ct.status}, ct.retryAfter, id)
	}
	// Transport failure or undecodable success body. url.Error repeats the
	// request URL; keep only the cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return c.errorf(id, "send: %w", err)
}

// Twilio error codes with a fixed meaning for delivery.
const (
	codeTooManyRequests = 20429 // account-wide request rate
	codeInvalidTo       = 21211
	codeRegionBlocked   = 21408 // permission to send to this region is off
	codeUnsubscribed    = 21610 // the recipient sent STOP
	codeNotReachable    = 21612
	codeNotMobile       = 21614
	codeOutsideWindow   = 63016 // WhatsApp: free-form outside the 24-hour window
	codeWhatsAppRate    = 63018 // WhatsApp sender rate limit
)

var codeText = map[int]string{
	codeTooManyRequests: "too many requests",
	codeInvalidTo:       "invalid recipient number",
	codeRegionBlocked:   "sending to this region is not enabled",
	codeUnsubscribed:    "recipient unsubscribed (STOP)",
	codeNotReachable:    "recipient not reachable from this sender",
	codeNotMobile:       "recipient is not a mobile number",
	codeOutsideWindow:   "outside the 24-hour window",
	codeWhatsAppRate:    "WhatsApp rate limit exceeded",
}

// APIError is a refusal by the Twilio API: the HTTP status and Twilio's
// error code (0 when the body was not Twilio's). It deliberately omits
// Twilio's message, which can quote phone numbers.
type APIError struct {
	Status int
	Code   int
}

func (e *APIError) Error() string {
	s := "twilio api error"
	if e.Code != 0 {
		s += " " + strconv.Itoa(e.Code)
	}
	if t, ok := codeText[e.Code]; ok {
		s += ": " + t
	}
	if e.Status != 0 {
		s += " (http " + strconv.Itoa(e.Status) + ")"
	}
	return s
}

// classify applies the retry policy: 20429, 63018, HTTP 429 and 5xx are
// transient (honouring Retry-After); 21211, 21408, 21610, 21612, 21614 and
// 63016 are final; anything else is retried with the dispatcher's backoff.
func (c *Channel) classify(e *APIError, retryAfter string, id int64) error {
	switch {
	case e.Code == codeInvalidTo, e.Code == codeRegionBlocked, e.Code == codeUnsubscribed,
		e.Code == codeNotReachable, e.Code == codeNotMobile, e.Code == codeOutsideWindow:
		return c.errorf(id, "%w: %w", e, bot.ErrPermanent)
	case e.Code == codeTooManyRequests, e.Code == codeWhatsAppRate,
		e.Status == http.StatusTooManyRequests, e.Status >= 500:
		return &bot.RetryAfterError{After: parseRetryAfter(retryAfter, c.t.now()), Err: c.errorf(id, "%w", e)}
	}
	return c.errorf(id, "%w", e)
}

// parseRetryAfter reads a Retry-After header (seconds or an HTTP date),
// capped at an hour; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(s * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), time.Hour)
}

func (c *Channel) errorf(id int64, format string, args ...any) error {
	return fmt.Errorf("twilio: %s: outbox %d: "+format, append([]any{c.name, id}, args...)...)
}

// progress returns the SIDs of the parts of a split message already sent.
func (t *Twilio) progress(k progressKey) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.sent[k]...)
}

// saveProgress records (or with nil, forgets) the parts already sent.
func (t *Twilio) saveProgress(k progressKey, sids []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(sids) == 0 {
		delete(t.sent, k)
		return
	}
	if _, ok := t.sent[k]; !ok && len(t.sent) >= maxProgress {
		for old := range t.sent { // evict any one entry: the map only grows if the dispatcher gives up
			delete(t.sent, old)
			break
		}
	}
	t.sent[k] = sids
}
