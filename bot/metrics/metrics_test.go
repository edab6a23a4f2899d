package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMetricsExposition(t *testing.T) {
	depth := func(_ context.Context, ch string) (int, error) {
		if ch == "broken" {
			return 0, errors.New("db down")
		}
		return 7, nil
	}
	m := New([]string{"sms"}, depth)
	m.Inbound("sms")
	m.Inbound("sms")
	m.Matched("sms", bot.Match{Ranked: []bot.Scored{{Intent: bot.Intent("forgot_password"), Confidence: 0.93}}, Lang: bot.Lang("es"), Verdict: bot.VerdictAnswer})
	m.Matched("sms", bot.Match{Lang: bot.Lang("fr"), Verdict: bot.VerdictNone})
	m.Processed("sms", 3*time.Millisecond)
	m.HandoffStarted("sms", "requested")
	m.Resolved("sms")
	m.RateLimited("sms")
	m.Feedback(bot.Intent("forgot_password"), true)
	m.CSAT("sms", 4)
	m.Sent("sms", "retry", 20*time.Millisecond)
	m.Sent("sms", "sent", 10*time.Millisecond)
	out := scrape(t, m)
	for _, want := range []string{
		`supportbot_messages_in_total{channel="sms"} 2`,
		`supportbot_intents_total{intent="forgot_password",lang="es",verdict="answer"} 1`,
		`supportbot_intents_total{intent="none",lang="fr",verdict="none"} 1`,
		`supportbot_match_confidence_count{verdict="answer"} 1`,
		`supportbot_processing_seconds_count{channel="sms"} 1`,
		`supportbot_handoffs_total{channel="sms",reason="requested"} 1`,
		`supportbot_resolved_by_bot_total{channel="sms"} 1`,
		`supportbot_rate_limited_total{channel="sms"} 1`,
		`supportbot_feedback_total{helpful="true",intent="forgot_password"} 1`,
		`supportbot_csat_score_sum{channel="sms"} 4`,
		`supportbot_messages_out_total{channel="sms",outcome="retry"} 1`,
		`supportbot_messages_out_total{channel="sms",outcome="sent"} 1`,
		`supportbot_outbox_pending{channel="sms"} 7`,
		`go_goroutines`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(out, "supportbot_outbox_pending{channel=\"broken\"}") {
		t.Error("unexpected channel")
	}
}
