package twiliofake

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "authtoken0123456789"
)

// The signer matches Twilio's published test vector (as used by the SDK's
// own validator tests).
func TestSignatureVector(t *testing.T) {
	form := url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"},
		"ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	if got := Signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("Signature = %q", got)
	}
}

func TestSignedInboundValidates(t *testing.T) {
	for _, in := range []Inbound{
		{AccountSid: sid, From: "+34612345678", To: "+15005550006", Body: "¿Hola? & más", FromCountry: "ES"},
		{AccountSid: sid, From: "whatsapp:+34612345678", To: "whatsapp:+14155238886", ProfileName: "Ana", NumMedia: 2},
	} {
		form := in.Form()
		req, err := NewSignedRequest(context.Background(), "http://127.0.0.1:1/webhooks/twilio", "https://bot.example.com/webhooks/twilio", token, form)
		if err != nil {
			t.Fatal(err)
		}
		params := map[string]string{}
		for k, v := range form {
			params[k] = v[0]
		}
		v := client.NewRequestValidator(token)
		if !v.Validate("https://bot.example.com/webhooks/twilio", params, req.Header.Get("X-Twilio-Signature")) {
			t.Errorf("%s: SDK validator rejects the signature", in.From[:3])
		}
		if !strings.HasPrefix(form.Get("MessageSid"), "SM") || len(form.Get("MessageSid")) != 34 {
			t.Errorf("MessageSid %q", form.Get("MessageSid"))
		}
	}
}

func sdk(t *testing.T, s *Server, user, pass string) *openapi.ApiService {
	t.Helper()
	c := &client.Client{Credentials: client.NewCredentials(user, pass), HTTPClient: &http.Client{
		Transport: rewrite{s.URL}, Timeout: 5 * time.Second,
	}}
	c.SetAccountSid(user)
	return openapi.NewApiServiceWithClient(c)
}

type rewrite struct{ base string }

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	u, _ := url.Parse(r.base)
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = u.Scheme, u.Host, ""
	return http.DefaultTransport.RoundTrip(req)
}

func create(svc *openapi.ApiService, to, from, body string) (*openapi.ApiV2010Message, error) {
	p := &openapi.CreateMessageParams{}
	p.SetTo(to).SetFrom(from)
	if body != "" {
		p.SetBody(body)
	}
	return svc.CreateMessage(p)
}

func TestServerThroughSDK(t *testing.T) {
	s := New(sid, token)
	t.Cleanup(s.Close)
	svc := sdk(t, s, sid, token)

	m, err := create(svc, "+34612345678", "+15005550006", "hola")
	if err != nil {
		t.Fatal(err)
	}
	if m.Sid == nil || !strings.HasPrefix(*m.Sid, "SM") || *m.Status != "queued" || *m.To != "+34612345678" || *m.Body != "hola" {
		t.Errorf("message %+v", m)
	}

	tests := []struct {
		name               string
		svc                *openapi.ApiService
		to, from, body     string
		wantStatus, wantCd int
	}{
		{"bad password", sdk(t, s, sid, "wrong"), "+34612345678", "+15005550006", "x", 401, 20003},
		{"other account", sdk(t, s, "AC999", token), "+34612345678", "+15005550006", "x", 401, 20003},
		{"no body", svc, "+34612345678", "+15005550006", "", 400, 21602},
		{"too long", svc, "+34612345678", "+15005550006", strings.Repeat("a", 1601), 400, 21617},
		{"channel mismatch", svc, "whatsapp:+34612345678", "+15005550006", "x", 400, 21910},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := create(tt.svc, tt.to, tt.from, tt.body)
			var re *client.TwilioRestError
			if !errors.As(err, &re) || re.Status != tt.wantStatus || re.Code != tt.wantCd {
				t.Errorf("err %v, want %d/%d", err, tt.wantStatus, tt.wantCd)
			}
		})
	}

	s.FailNext(2, Failure{Status: 429, Code: 20429, RetryAfter: "1"})
	s.Refuse("+34600000000", Failure{Status: 400, Code: 21610})
	for i, want := range []int{20429, 20429, 21610} {
		_, err := create(svc, "+34600000000", "+15005550006", "x")
		var re *client.TwilioRestError
		if !errors.As(err, &re) || re.Code != want {
			t.Errorf("call %d: err %v, want code %d", i, err, want)
		}
	}
	s.Refuse("+34600000000", Failure{})
	if _, err := create(svc, "+34600000000", "+15005550006", "x"); err != nil {
		t.Errorf("after lifting the refusal: %v", err)
	}
	if got := len(s.Messages()); got != 2 {
		t.Errorf("%d messages recorded, want 2", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.WaitMessages(ctx, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitMessages: %v", err)
	}
}
