package twilio

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// Limits of an inbound webhook, checked before any parsing or hashing.
// Twilio's message webhook is a few dozen parameters (about 25, plus two
// per media item, at most 10 media) and a Body of at most 1,600
// characters, which URL-encodes to at most about 20 KB.
const (
	// MaxBodyBytes is the largest webhook body accepted (413 beyond).
	MaxBodyBytes = 64 << 10
	// MaxParams is the most form parameters accepted (413 beyond).
	MaxParams = 200
)

// sigLen is the length of a base64 HMAC-SHA1, the only valid
// X-Twilio-Signature length.
var sigLen = base64.StdEncoding.EncodedLen(sha1.Size)

var (
	errTooManyParams = errors.New("too many parameters")
	errBadForm       = errors.New("malformed form")
)

// parseForm counts the parameters before parsing (a byte scan), so that
// a form with thousands of keys is refused without building them.
func parseForm(body []byte) (url.Values, error) {
	if len(body) > 0 && bytes.Count(body, []byte{'&'})+1 > MaxParams {
		return nil, errTooManyParams
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errBadForm
	}
	return form, nil
}

// validSignature checks X-Twilio-Signature the way Twilio computes it:
// base64(HMAC-SHA1(auth token, URL + key+value of each parameter, keys
// sorted; a repeated key once per value, values sorted)). Like the SDK's
// validator it accepts the URL with and without its default port. The
// parameters are concatenated once, in linear time, and hashed after
// each URL form.
func validSignature(key []byte, rawURL string, form url.Values, sig string) bool {
	if len(sig) != sigLen {
		return false
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	params := signedParams(form)
	for _, u := range urlForms(rawURL) {
		mac := hmac.New(sha1.New, key)
		mac.Write([]byte(u))
		mac.Write(params)
		if hmac.Equal(mac.Sum(nil), want) {
			return true
		}
	}
	return false
}

// signedParams is the sorted key+value concatenation of form.
func signedParams(form url.Values) []byte {
	keys := make([]string, 0, len(form))
	n := 0
	for k, vs := range form {
		keys = append(keys, k)
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	for _, k := range keys {
		vs := form[k]
		if len(vs) > 1 {
			vs = slices.Sorted(slices.Values(vs))
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, v...)
		}
	}
	return b
}

// urlForms is the URL as configured and with its default port added (or
// removed, when it has one): Twilio is not consistent about the port.
func urlForms(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return []string{raw}
	}
	switch h := u.Hostname(); {
	case u.Port() != "" && strings.Contains(h, ":"):
		u.Host = "[" + h + "]" // IPv6
	case u.Port() != "":
		u.Host = h
	case u.Scheme == "https":
		u.Host += ":443"
	default:
		u.Host += ":80"
	}
	return []string{raw, u.String()}
}

// cleanForm cleans every value of a verified form (signed as sent) before
// anything stores one: the opt-out store, the engine.
func cleanForm(form url.Values) url.Values {
	for _, vs := range form {
		for i, v := range vs {
			vs[i] = bot.CleanField(v)
		}
	}
	return form
}
