package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hexfit/supportbot/channels/telegram/telegramfake"
	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

// storeVars are the serve settings of each store: SQLite in the data
// directory, and a fresh database on the local PostgreSQL, which refuses
// NUL in text columns.
func storeVars(t *testing.T) map[string][]string {
	t.Helper()
	u, drop, err := freshDatabase(waitCtx(t), defaultPostgresURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return map[string][]string{"sqlite": nil, "postgres": {"SUPPORTBOT_DATABASE_URL=" + u}}
}

// Names and ids with NUL or invalid UTF-8 are cleaned wherever they are
// stored: each delivery is acknowledged (200, not redelivered forever)
// and answered once, on both stores.
func TestServeCleansNamesAndIDs(t *testing.T) {
	for store, vars := range storeVars(t) {
		t.Run(store, func(t *testing.T) {
			p := startServe(t, vars...)
			tests := []struct {
				name string
				in   twiliofake.Inbound
			}{
				{"whatsapp ProfileName NUL", twiliofake.Inbound{From: "whatsapp:+34600111001", ProfileName: "\x00"}},
				{"whatsapp ProfileName invalid UTF-8", twiliofake.Inbound{From: "whatsapp:+34600111002", ProfileName: "Ana\xff\xfe\x00 P"}},
				{"sms From with NUL", twiliofake.Inbound{From: "+34600111003\x00"}},
				{"NUL in the MessageSid", twiliofake.Inbound{From: "+34600111004", MessageSid: "SM\x00bad\xff"}},
			}
			for i, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.in.AccountSid, tc.in.To, tc.in.Body = twSID, twSMSFrom, "hi, I forgot my password"
					if code := postTwilio(t, p, tc.in); code != http.StatusOK {
						t.Fatalf("webhook status %d, want 200", code)
					}
					msgs, err := p.tw.WaitMessages(waitCtx(t), i+1)
					if err != nil {
						t.Fatalf("no reply: %v", err)
					}
					if to := msgs[i].To; to != strings.ReplaceAll(tc.in.From, "\x00", "") {
						t.Errorf("reply to %q, want the sender without NUL", to)
					}
				})
			}
			t.Run("telegram first_name NUL", func(t *testing.T) {
				user := telegramfake.User{ID: 9300, FirstName: "\x00Ana\x00", LastName: "\xff", LanguageCode: "en"}
				p.tg.PushText(9300, user, "hi, I forgot my password")
				if _, err := p.tg.WaitSent(waitCtx(t), 1); err != nil {
					t.Fatalf("no reply: %v", err)
				}
			})
			if n := len(p.tw.Messages()); n != len(tests) {
				t.Errorf("%d Twilio replies, want one per delivery (%d)", n, len(tests))
			}
		})
	}
}

// postTwilio delivers a signed webhook and returns its status.
func postTwilio(t *testing.T, p *platforms, in twiliofake.Inbound) int {
	t.Helper()
	u := "http://" + p.addr + twilio.WebhookPath
	req, err := twiliofake.NewSignedRequest(waitCtx(t), u, u, twToken, in.Form())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
