// Package metrics exposes the bot's Prometheus metrics: it implements
// bot.Observer and serves /metrics.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hexfit/supportbot/bot"
)

// Depth reports the outbox backlog at scrape time (Store.PendingOutbox).
type Depth func(ctx context.Context, channel string) (int, error)

// Metrics is a bot.Observer backed by a private Prometheus registry.
type Metrics struct {
	reg        *prometheus.Registry
	in         *prometheus.CounterVec
	matched    *prometheus.CounterVec
	confidence *prometheus.HistogramVec
	processing *prometheus.HistogramVec
	handoffs   *prometheus.CounterVec
	resolved   *prometheus.CounterVec
	limited    *prometheus.CounterVec
	feedback   *prometheus.CounterVec
	csat       *prometheus.HistogramVec
	sends      *prometheus.CounterVec
	sendTime   *prometheus.HistogramVec
}

var _ bot.Observer = (*Metrics)(nil)

// New registers every metric. channels lists the channel names whose
// outbox depth is reported through depth (nil: no depth gauge).
func New(channels []string, depth Depth) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.in = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_messages_in_total",
		Help: "Inbound messages committed, by channel."}, []string{"channel"})
	m.matched = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_intents_total",
		Help: "Matched texts by intent, verdict and language."}, []string{"intent", "verdict", "lang"})
	m.confidence = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "supportbot_match_confidence",
		Help: "Confidence of the top intent.", Buckets: prometheus.LinearBuckets(0.1, 0.1, 10)}, []string{"verdict"})
	m.processing = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "supportbot_processing_seconds",
		Help: "Inbound message to committed reply.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"channel"})
	m.handoffs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_handoffs_total",
		Help: "Conversations handed to agents, by channel and reason."}, []string{"channel", "reason"})
	m.resolved = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_resolved_by_bot_total",
		Help: "Conversations the bot resolved (the client said the answer helped), by channel; containment is this over this plus supportbot_handoffs_total."},
		[]string{"channel"})
	m.limited = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_rate_limited_total",
		Help: "Inbound messages stored but not answered because the contact wrote too fast, by channel."}, []string{"channel"})
	m.feedback = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_feedback_total",
		Help: "Answers to 'did this answer your question?'; helpful=true is containment."}, []string{"intent", "helpful"})
	m.csat = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "supportbot_csat_score",
		Help: "Satisfaction scores (1-5) after agent handoffs.", Buckets: []float64{1, 2, 3, 4, 5}}, []string{"channel"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "supportbot_messages_out_total",
		Help: "Outbox delivery attempts by channel and outcome (sent, retry, dead)."}, []string{"channel", "outcome"})
	m.sendTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "supportbot_send_seconds",
		Help: "Time of one platform send call.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"channel"})
	m.reg.MustRegister(m.in, m.matched, m.confidence, m.processing, m.handoffs, m.resolved, m.limited, m.feedback, m.csat, m.sends, m.sendTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if depth != nil {
		m.reg.MustRegister(&depthCollector{channels: channels, depth: depth,
			desc: prometheus.NewDesc("supportbot_outbox_pending", "Outbox messages waiting to be sent, by channel.", []string{"channel"}, nil)})
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

func (m *Metrics) Inbound(channel string) { m.in.WithLabelValues(channel).Inc() }

func (m *Metrics) Matched(_ string, mt bot.Match) {
	conf := 0.0
	if len(mt.Ranked) > 0 {
		conf = mt.Ranked[0].Confidence
	}
	intent := string(mt.Top())
	if intent == "" {
		intent = "none" // the label of a message nothing matched
	}
	m.matched.WithLabelValues(intent, string(mt.Verdict), string(mt.Lang)).Inc()
	m.confidence.WithLabelValues(string(mt.Verdict)).Observe(conf)
}

func (m *Metrics) Processed(channel string, d time.Duration) {
	m.processing.WithLabelValues(channel).Observe(d.Seconds())
}

func (m *Metrics) HandoffStarted(channel, reason string) {
	m.handoffs.WithLabelValues(channel, reason).Inc()
}

func (m *Metrics) Resolved(channel string) { m.resolved.WithLabelValues(channel).Inc() }

func (m *Metrics) RateLimited(channel string) { m.limited.WithLabelValues(channel).Inc() }

func (m *Metrics) Feedback(i bot.Intent, helpful bool) {
	m.feedback.WithLabelValues(string(i), strconv.FormatBool(helpful)).Inc()
}

func (m *Metrics) CSAT(channel string, score int) {
	m.csat.WithLabelValues(channel).Observe(float64(score))
}

func (m *Metrics) Sent(channel, outcome string, d time.Duration) {
	m.sends.WithLabelValues(channel, outcome).Inc()
	m.sendTime.WithLabelValues(channel).Observe(d.Seconds())
}

// depthCollector asks the store at scrape time, so the gauge is right even
// when other instances fill or drain the outbox.
type depthCollector struct {
	channels []string
	depth    Depth
	desc     *prometheus.Desc
}

func (c *depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, name := range c.channels {
		n, err := c.depth(ctx, name)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.desc, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), name)
	}
}
