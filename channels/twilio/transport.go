package twilio

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// callTransport sends the SDK's requests to the configured API base URL and
// remembers the last response's status and Retry-After header (the SDK turns
// error responses into TwilioRestError and drops the headers).
//
// It lives for one Send call only. It holds that call's ctx because the SDK
// builds every request with context.Background() and takes no context.
type callTransport struct {
	ctx  context.Context
	base http.RoundTripper
	api  *url.URL

	status     int
	retryAfter string
}

func (c *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(c.ctx)
	u := *req.URL
	u.Scheme = c.api.Scheme
	u.Host = c.api.Host
	if p := strings.TrimRight(c.api.Path, "/"); p != "" {
		u.Path = p + u.Path
		u.RawPath = ""
	}
	r.URL = &u
	r.Host = ""
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	c.status = resp.StatusCode
	c.retryAfter = resp.Header.Get("Retry-After")
	if resp.StatusCode >= 400 {
		// The SDK decodes error bodies but never closes them; buffer the
		// body and close it here so the connection is released.
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// service builds a Messages API client for one call. The SDK client is cheap
// to build; a fresh one per call carries that call's context and response
// metadata without shared mutable state.
func (t *Twilio) service(ctx context.Context) (*openapi.ApiService, *callTransport) {
	base := t.hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	ct := &callTransport{ctx: ctx, base: base, api: t.api}
	hc := &http.Client{
		Transport: ct,
		Timeout:   t.hc.Timeout,
		Jar:       t.hc.Jar,
		// Like the SDK's default client: report a redirect, don't follow it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := &client.Client{
		Credentials: client.NewCredentials(t.accountSID, t.authToken),
		HTTPClient:  hc,
	}
	c.SetAccountSid(t.accountSID)
	return openapi.NewApiServiceWithClient(c), ct
}
