package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/webchat"
	"github.com/hexfit/supportbot/channels/webchat/dashboard"
)

// buildWeb builds the web chat channel (on unless SUPPORTBOT_WEBCHAT=off;
// it needs no credentials) and the staff dashboard (on when
// SUPPORTBOT_DASHBOARD_TOKEN or SUPPORTBOT_DASHBOARD_USER/PASSWORD is set).
// reload re-reads the content and returns the validator's messages (nil: the
// dashboard says reloading is not available). ch is nil when the web chat
// is off; routes are the widget, the demo page at / and the dashboard.
func buildWeb(e env, d channelDeps, dataDir string, reload func(context.Context) error) (ch *webchat.Channel, routes []route, err error) {
	secret := []byte(e.getenv("SUPPORTBOT_WEBCHAT_SECRET"))
	if len(secret) == 0 {
		if secret, err = webchat.LoadSecret(dataDir); err != nil {
			return nil, nil, err
		}
	} else if len(secret) < 32 {
		return nil, nil, fmt.Errorf("SUPPORTBOT_WEBCHAT_SECRET must be at least 32 characters: %w", errUsage)
	}
	if v := e.getenv("SUPPORTBOT_WEBCHAT"); v != "off" && v != "false" && v != "0" {
		ch, err = webchat.New(webchat.Config{Store: d.store, Secret: derive(secret, "webchat"),
			Origins: splitList(e.getenv("SUPPORTBOT_WEBCHAT_ORIGINS")), Logger: d.log,
			VisitorStreams: d.limits.visitorStreams, MaxStreams: d.limits.streams})
		if err != nil {
			return nil, nil, err
		}
		routes = append(routes,
			handles("/webchat/", ch.Handler),
			route{"GET /{$}", func(*bot.Engine) http.Handler { return ch.Demo() }})
	}
	dash, err := dashboard.New(dashboard.Config{Store: d.store, Token: e.getenv("SUPPORTBOT_DASHBOARD_TOKEN"),
		User: e.getenv("SUPPORTBOT_DASHBOARD_USER"), Password: e.getenv("SUPPORTBOT_DASHBOARD_PASSWORD"),
		Secret: derive(secret, "dashboard"), Reload: reload, Knowledge: d.kb, Privacy: d.store, Desk: d.desk, Logger: d.log})
	switch {
	case errors.Is(err, dashboard.ErrDisabled):
		d.log.Info("staff dashboard off: set SUPPORTBOT_DASHBOARD_TOKEN or SUPPORTBOT_DASHBOARD_USER and SUPPORTBOT_DASHBOARD_PASSWORD")
	case err != nil:
		return nil, nil, fmt.Errorf("%w: %w", err, errUsage)
	default:
		h := func(e *bot.Engine) http.Handler { return dash.Handler(e) }
		routes = append(routes, route{dash.Prefix(), h}, route{dash.Prefix() + "/", h})
	}
	return ch, routes, nil
}

// derive gives each use of the secret its own key.
func derive(secret []byte, use string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(use))
	return m.Sum(nil)
}

// demoURL is the address to print for the demo page.
func demoURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" || strings.HasPrefix(host, "127.") {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
