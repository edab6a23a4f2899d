package twilio

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// EmptyTwiML is the webhook's answer: nothing to say now, replies follow
// through the REST API.
const EmptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// Twilio's standard SMS opt-out and opt-in keywords. Twilio itself answers
// them and blocks delivery after STOP (error 21610); the bot only records
// them and stays silent.
var (
	stopKeywords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	startKeywords = map[string]bool{"START": true, "YES": true, "UNSTOP": true}
)

// Webhook returns the http.Handler to mount at WebhookPath. It accepts only
// POSTs signed by Twilio (X-Twilio-Signature over WebhookURL and the form;
// anything else is 403 and h is not called), refuses bodies over
// MaxBodyBytes or with more than MaxParams parameters (413), and answers
// EmptyTwiML once h has committed the message. The cheap checks (method,
// signature header, size, parameter count) come before parsing and
// hashing, so a flood of forged requests costs little. SMS opt-out keywords
// (STOP…, and START/YES/UNSTOP while opted out) are recorded in the Store
// and not passed to h. If h fails (other than bot.ErrDuplicate) the answer
// is 500 so that Twilio may redeliver. Status callbacks sent to this URL
// are logged and acknowledged.
func (t *Twilio) Webhook(h bot.Handler) http.Handler {
	return &webhook{t: t, h: h, key: []byte(t.authToken)}
}

type webhook struct {
	t   *Twilio
	h   bot.Handler
	key []byte // the auth token, the HMAC key
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	form, code := w.verified(rw, r)
	if code == http.StatusOK {
		code = w.handle(r, form)
	}
	if code != http.StatusOK {
		http.Error(rw, http.StatusText(code), code)
		return
	}
	rw.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(rw, EmptyTwiML)
}

// verified reads and checks a delivery, cheapest checks first, and
// returns its form or the status to refuse it with.
func (w *webhook) verified(rw http.ResponseWriter, r *http.Request) (url.Values, int) {
	ctx, log := r.Context(), w.t.log
	sig := r.Header.Get("X-Twilio-Signature")
	if len(sig) != sigLen {
		log.WarnContext(ctx, "twilio webhook: missing or malformed signature", "remote", r.RemoteAddr)
		return nil, http.StatusForbidden
	}
	if r.ContentLength > MaxBodyBytes {
		log.WarnContext(ctx, "twilio webhook: body too large", "limit", MaxBodyBytes)
		return nil, http.StatusRequestEntityTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			log.WarnContext(ctx, "twilio webhook: body too large", "limit", MaxBodyBytes)
			return nil, http.StatusRequestEntityTooLarge
		}
		return nil, http.StatusBadRequest
	}
	form, err := parseForm(body)
	if errors.Is(err, errTooManyParams) {
		log.WarnContext(ctx, "twilio webhook: too many parameters", "limit", MaxParams)
		return nil, http.StatusRequestEntityTooLarge
	}
	u := w.t.WebhookURL()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	if err != nil || !validSignature(w.key, u, form, sig) {
		log.WarnContext(ctx, "twilio webhook: invalid signature", "remote", r.RemoteAddr)
		return nil, http.StatusForbidden
	}
	return cleanForm(form), http.StatusOK
}

// handle processes a verified delivery and returns the HTTP status to answer.
func (w *webhook) handle(r *http.Request, form url.Values) int {
	ctx := r.Context()
	log := w.t.log
	sid := form.Get("MessageSid")
	if sid == "" {
		sid = form.Get("SmsMessageSid")
	}
	if st := form.Get("MessageStatus"); st != "" && st != "received" {
		// A status callback for one of our messages: the asynchronous
		// outcome (e.g. 63016 outside the WhatsApp window) is only logged.
		log.InfoContext(ctx, "twilio status callback", "sid", sid, "status", st, "error_code", form.Get("ErrorCode"))
		return http.StatusOK
	}
	from := form.Get("From")
	if sid == "" || from == "" {
		log.WarnContext(ctx, "twilio webhook: not a message (no MessageSid or From)")
		return http.StatusBadRequest
	}
	name, ch := NameSMS, w.t.sms
	if strings.HasPrefix(from, whatsappPrefix) {
		name, ch = NameWhatsApp, w.t.whatsapp
	}
	if ch == nil {
		log.WarnContext(ctx, "twilio webhook: message for a channel that is off; dropped", "channel", name, "sid", sid)
		return http.StatusOK
	}
	text := form.Get("Body")
	now := w.t.now()

	if name == NameSMS {
		done, err := w.optKeyword(r, from, text, form.Get("OptOutType"))
		if err != nil {
			log.ErrorContext(ctx, "twilio webhook: record opt-out", "sid", sid, "err", err)
			return http.StatusInternalServerError
		}
		if done {
			return http.StatusOK
		}
	} else if err := w.t.store.SetLastInbound(ctx, name, from, now); err != nil {
		// Before Handle: the replies it queues are checked against this time.
		log.ErrorContext(ctx, "twilio webhook: record last inbound", "sid", sid, "err", err)
		return http.StatusInternalServerError
	}

	numMedia, _ := strconv.Atoi(form.Get("NumMedia"))
	m := bot.Message{
		Channel:     name,
		ChatID:      from,
		ContactID:   from,
		DisplayName: form.Get("ProfileName"),
		Text:        text,
		Payload:     form.Get("ButtonPayload"),
		Locale:      locale(form.Get("FromCountry"), from),
		Audience:    w.t.audience,
		PlatformID:  sid,
		Media:       numMedia > 0 && strings.TrimSpace(text) == "",
		Time:        now,
	}
	if err := w.h.Handle(ctx, m); err != nil {
		if errors.Is(err, bot.ErrDuplicate) {
			log.DebugContext(ctx, "twilio webhook: duplicate delivery", "channel", name, "sid", sid)
			return http.StatusOK
		}
		log.ErrorContext(ctx, "twilio webhook: handle message", "channel", name, "sid", sid, "err", err)
		return http.StatusInternalServerError
	}
	return http.StatusOK
}

// optKeyword records SMS opt-out/opt-in keywords and reports whether the
// message was one (and must not reach the engine). Twilio's Advanced Opt-Out
// sets OptOutType; otherwise the body is matched against the standard
// keywords, ignoring case, surrounding space and trailing punctuation. An
// opt-in keyword from a contact who is not opted out is ordinary text ("yes"
// answers "did this help?").
func (w *webhook) optKeyword(r *http.Request, from, text, optOutType string) (bool, error) {
	ctx := r.Context()
	kw := strings.ToUpper(strings.TrimRight(strings.TrimSpace(text), ".!¡ "))
	isStop := optOutType == "STOP" || (optOutType == "" && stopKeywords[kw])
	isStart := optOutType == "START" || (optOutType == "" && startKeywords[kw])
	switch {
	case isStop:
		if err := w.t.store.SetOptOut(ctx, NameSMS, from, true); err != nil {
			return false, err
		}
		w.t.log.InfoContext(ctx, "sms contact opted out")
		return true, nil
	case isStart:
		out, err := w.t.store.OptedOut(ctx, NameSMS, from)
		if err != nil || !out {
			return false, err
		}
		if err := w.t.store.SetOptOut(ctx, NameSMS, from, false); err != nil {
			return false, err
		}
		w.t.log.InfoContext(ctx, "sms contact opted back in")
		return true, nil
	}
	return false, nil
}
