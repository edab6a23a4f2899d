package twiliofake

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Signature computes X-Twilio-Signature for a form POST to signedURL the way
// Twilio does: base64(HMAC-SHA1(authToken, URL + each key+value, keys
// sorted)).
func Signature(authToken, signedURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(signedURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// NewSignedRequest builds Twilio's webhook POST of form to target, signed
// for signedURL (the URL configured in Twilio: the bot's public URL plus the
// webhook path, which may differ from the address the test server listens
// on). The request works with http.Client.Do and with a handler's ServeHTTP.
func NewSignedRequest(ctx context.Context, target, signedURL, authToken string, form url.Values) (*http.Request, error) {
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Signature(authToken, signedURL, form))
	return req, nil
}

// Inbound is one message a contact sends, as Twilio posts it to the
// webhook. Empty MessageSid gets a random one.
type Inbound struct {
	AccountSid    string
	MessageSid    string
	From          string // "+34…" for SMS, "whatsapp:+34…" for WhatsApp
	To            string
	Body          string
	ProfileName   string // WhatsApp only
	FromCountry   string // SMS only, e.g. "ES"
	ButtonPayload string // WhatsApp quick-reply button payload
	NumMedia      int
	OptOutType    string // STOP, START or HELP with Advanced Opt-Out
}

// Form returns the webhook parameters Twilio sends for in.
func (in Inbound) Form() url.Values {
	sid := in.MessageSid
	if sid == "" {
		sid = NewSid("SM")
	}
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	f.Set("ToCountry", "US")
	f.Set("SmsMessageSid", sid)
	f.Set("SmsSid", sid)
	f.Set("MessageSid", sid)
	f.Set("SmsStatus", "received")
	f.Set("AccountSid", in.AccountSid)
	f.Set("From", in.From)
	f.Set("To", in.To)
	f.Set("Body", in.Body)
	f.Set("NumMedia", strconv.Itoa(in.NumMedia))
	f.Set("NumSegments", "1")
	f.Set("ApiVersion", "2010-04-01")
	for i := range in.NumMedia {
		n := strconv.Itoa(i)
		f.Set("MediaContentType"+n, "image/jpeg")
		f.Set("MediaUrl"+n, "https://api.twilio.com/2010-04-01/Accounts/"+in.AccountSid+"/Messages/"+sid+"/Media/"+NewSid("ME"))
	}
	if wa, ok := strings.CutPrefix(in.From, "whatsapp:"); ok {
		f.Set("WaId", strings.TrimPrefix(wa, "+"))
		f.Set("MessageType", "text")
		if in.NumMedia > 0 {
			f.Set("MessageType", "image")
		}
		if in.ButtonPayload != "" {
			f.Set("MessageType", "button")
		}
		set("ProfileName", in.ProfileName)
		set("ButtonPayload", in.ButtonPayload)
		if in.ButtonPayload != "" {
			f.Set("ButtonText", in.Body)
		}
	} else {
		set("FromCountry", in.FromCountry)
	}
	set("OptOutType", in.OptOutType)
	return f
}

// NewSid returns a random Twilio-style SID with the given two-letter prefix.
func NewSid(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
