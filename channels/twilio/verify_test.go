package twilio

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
	"github.com/twilio/twilio-go/client"
)

// The twilio-go SDK's own test vectors (client/request_validator_test.go):
// token "12345", these parameters, these URLs and signatures.
var sdkParams = url.Values{
	"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"}, "Caller": {"+14158675309"},
	"From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
}

func TestValidSignatureSDKVectors(t *testing.T) {
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	tests := []struct {
		name, url, sig string
		want           bool
	}{
		{"as signed", u, "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"https with a port, signed without", strings.Replace(u, ".com", ".com:1234", 1), "vOEb5UThFn24KEfnOFLQY2AE5FY=", true},
		{"http, signed without port", strings.Replace(u, "https", "http", 1), "n2xBNyzSW7rfYStDtOFiFMv7qNo=", true},
		{"http with a port, signed without", strings.Replace(strings.Replace(u, ".com", ".com:1234", 1), "https", "http", 1), "n2xBNyzSW7rfYStDtOFiFMv7qNo=", true},
		{"parameters sorted wrongly", u, "95+Bu0JVPi0r/SsESZCVf0dWAjw=", false},
		{"wrong signature", u, "WRONG SIGNATURE", false},
		{"another URL", "https://evil.example.com/myapp.php?foo=1&bar=2", "vOEb5UThFn24KEfnOFLQY2AE5FY=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validSignature([]byte("12345"), tt.url, sdkParams, tt.sig); got != tt.want {
				t.Errorf("validSignature = %v, want %v", got, tt.want)
			}
		})
	}
}

// On the forms Twilio sends (one value per key), the check agrees with the
// SDK's validator and with the fake's signer.
func TestValidSignatureAgreesWithSDK(t *testing.T) {
	wa := inbound("whatsapp:+34612345678", "¿Olvidé mi contraseña? & = + %")
	wa.ProfileName, wa.NumMedia = "Élodie", 2
	tests := []struct {
		name, url string
		form      url.Values
	}{
		{"sms", testPublicURL + WebhookPath, inbound("+34612345678", "hola").Form()},
		{"whatsapp with media", testPublicURL + WebhookPath, wa.Form()},
		{"query string", testPublicURL + WebhookPath + "?tenant=hexfit&x=%20y", inbound("+34612345678", "hola").Form()},
		{"explicit port", "https://bot.example.com:8443" + WebhookPath, inbound("+34612345678", "hola").Form()},
		{"no parameters", testPublicURL + WebhookPath, url.Values{}},
	}
	sdk := client.NewRequestValidator(testToken)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := twiliofake.Signature(testToken, tt.url, tt.form)
			params := map[string]string{}
			for k, v := range tt.form {
				params[k] = v[0]
			}
			if !sdk.Validate(tt.url, params, sig) {
				t.Fatal("the SDK refuses the fake's signature")
			}
			if !validSignature([]byte(testToken), tt.url, tt.form, sig) {
				t.Error("validSignature refuses what the SDK accepts")
			}
			if validSignature([]byte("otherToken0123456789abcdef0123"), tt.url, tt.form, sig) {
				t.Error("validSignature accepts another token's signature")
			}
		})
	}
}

// bulkForm is n parameters k0=v, k1=v… of about size bytes in all.
func bulkForm(n, size int) string {
	pad := strings.Repeat("x", max(0, size/n-8))
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte('&')
		}
		fmt.Fprintf(&b, "k%d=%s", i, pad)
	}
	return b.String()
}

// forged is a POST of body with a well-formed signature that is not
// Twilio's ("" for no signature header).
func forged(t testing.TB, target, body, sig string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		r.Header.Set("X-Twilio-Signature", sig)
	}
	return r
}

const forgedSig = "vOEb5UThFn24KEfnOFLQY2AE5FY="

// Floods are refused at the wire by the cheap checks, and the handler never
// runs; a real delivery at the parameter cap still gets through.
func TestWebhookRefusesFloods(t *testing.T) {
	many := url.Values{}
	for i := range MaxParams + 1 {
		many.Set(fmt.Sprintf("X%03d", i), "1")
	}
	atCap := inbound("+34612345678", "hola").Form()
	for i := len(atCap); i < MaxParams; i++ {
		atCap.Set(fmt.Sprintf("X%03d", i), "1")
	}
	tests := []struct {
		name string
		req  func(target string) *http.Request
		want int
	}{
		{"1 MB, 10,000 keys, no signature", func(u string) *http.Request { return forged(t, u, bulkForm(10000, 1<<20), "") }, http.StatusForbidden},
		{"1 MB, 10,000 keys, forged signature", func(u string) *http.Request { return forged(t, u, bulkForm(10000, 1<<20), forgedSig) }, http.StatusRequestEntityTooLarge},
		{"10,000 keys under the size cap", func(u string) *http.Request { return forged(t, u, bulkForm(10000, 40<<10), forgedSig) }, http.StatusRequestEntityTooLarge},
		{"signed, one parameter too many", func(u string) *http.Request { return signedTo(t, u, many) }, http.StatusRequestEntityTooLarge},
		{"signed, at the parameter cap", func(u string) *http.Request { return signedTo(t, u, atCap) }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			rec := &recorder{}
			srv := httptest.NewServer(e.tw.Webhook(rec))
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Do(tt.req(srv.URL + WebhookPath))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if n, want := len(rec.messages()), map[bool]int{true: 1}[tt.want == http.StatusOK]; n != want {
				t.Errorf("handler called %d times, want %d", n, want)
			}
		})
	}
}

// signedTo is a delivery of form to target, signed for the public URL.
func signedTo(t testing.TB, target string, form url.Values) *http.Request {
	t.Helper()
	r, err := twiliofake.NewSignedRequest(t.Context(), target, testPublicURL+WebhookPath, testToken, form)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// BenchmarkWebhookFlood is the cost of refusing an unsigned (forged)
// 1 MB form with 10,000 keys, and of the largest form a forger can make
// the webhook hash. Target: well under 10 ms per request.
func BenchmarkWebhookFlood(b *testing.B) {
	e := newEnv(b)
	h := e.tw.Webhook(&recorder{})
	cases := []struct {
		name, body string
		chunked    bool // no Content-Length: the cap is met while reading
	}{
		{"1MB_10000keys", bulkForm(10000, 1<<20), false},
		{"1MB_10000keys_chunked", bulkForm(10000, 1<<20), true},
		{"40KB_10000keys", bulkForm(10000, 40<<10), false},
		{"64KB_200keys_hashed", bulkForm(MaxParams, MaxBodyBytes-1024), false},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				rec := httptest.NewRecorder()
				req := forged(b, WebhookPath, c.body, forgedSig)
				if c.chunked {
					req.ContentLength, req.Body = -1, io.NopCloser(strings.NewReader(c.body))
				}
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusRequestEntityTooLarge && rec.Code != http.StatusForbidden {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
