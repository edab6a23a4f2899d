package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hexfit/supportbot/channels/twilio"
	"github.com/hexfit/supportbot/channels/twilio/twiliofake"
)

// questions each get exactly one reply (the article and "did this
// answer your question?"); the answer "yes" then gets exactly one reply
// (thanks) and resolves. No message leads to a handoff, after which the bot
// would fall silent.
var questions = map[string][]string{
	"en": {"I forgot my password", "I never received the verification code"},
	"es": {"Olvidé mi contraseña", "No me llega el código de verificación"},
	"fr": {"J'ai oublié mon mot de passe", "Je ne reçois pas le code de vérification"},
}

var ltLangs = []string{"es", "fr", "en"}

// balancer spreads webhook deliveries over the instances round-robin, as a
// load balancer would; a failed delivery is retried on the next one.
type balancer struct {
	addrs []string
	next  atomic.Uint64
	hc    *http.Client
}

func (b *balancer) pick() string {
	return b.addrs[int(b.next.Add(1)-1)%len(b.addrs)]
}

// result is what one client measured.
type result struct {
	acked, unacked, retries, timeouts int
	ack, reply                        []time.Duration
	ackAt                             []time.Time // when each acknowledged delivery began
	err                               error
}

// ltClient is one simulated contact: closed loop, it sends a message, waits
// for the reply at the fake platform, then sends the next.
type ltClient struct {
	idx     int
	kind    string // "telegram" or "sms"
	lang    string
	chatID  int64  // Telegram
	phone   string // SMS
	key     string // chat key at the fakes
	updates *atomic.Int64
}

func newClient(i int, kinds []string, updates *atomic.Int64) *ltClient {
	c := &ltClient{idx: i, lang: ltLangs[i%len(ltLangs)], updates: updates}
	if kinds[i%len(kinds)] == "telegram" {
		c.kind, c.chatID = "telegram", 700000000+int64(i)
		c.key = "telegram:" + strconv.FormatInt(c.chatID, 10)
	} else {
		c.kind, c.phone = "sms", fmt.Sprintf("+1555%07d", i)
		c.key = "sms:" + c.phone
	}
	return c
}

// run sends m messages: odd ones are questions, even ones answer "yes".
// replyWait bounds the wait for one reply; the run goes on without it
// (the final count will show it lost, or late). pace, when set, says
// when each message is due; one answered late is sent at once.
func (c *ltClient) run(ctx context.Context, b *balancer, p *ltPlatforms, m int, replyWait time.Duration,
	pace func(k int) time.Time) result {
	var r result
	for k := 1; k <= m && ctx.Err() == nil; k++ {
		if pace != nil {
			select {
			case <-time.After(time.Until(pace(k - 1))):
			case <-ctx.Done():
				return r
			}
		}
		text := questions[c.lang][(k/2)%len(questions[c.lang])]
		yes := k%2 == 0
		_, _, markup, _ := p.state(c.key, 0)
		body, ctype := c.payload(text, yes, markup)
		t0 := time.Now()
		ok, err := c.deliver(ctx, b, body, ctype, &r)
		if err != nil {
			r.err = err
			return r
		}
		if !ok {
			r.unacked++
			return r
		}
		r.acked++
		if at, ok := waitReply(ctx, p, c.key, r.acked, replyWait); ok {
			r.reply = append(r.reply, at.Sub(t0))
		} else if ctx.Err() == nil {
			r.timeouts++
		}
	}
	return r
}

// waitReply waits until chat key got n messages and returns the n-th's
// arrival time.
func waitReply(ctx context.Context, p *ltPlatforms, key string, n int, d time.Duration) (time.Time, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		count, at, _, changed := p.state(key, n)
		if count >= n {
			return at, true
		}
		select {
		case <-changed:
		case <-t.C:
			return time.Time{}, false
		case <-ctx.Done():
			return time.Time{}, false
		}
	}
}

// payload builds the platform's webhook body for one message. Redeliveries
// reuse it: same update_id or MessageSid, as the platforms do.
func (c *ltClient) payload(text string, yes bool, markup string) (body []byte, ctype string) {
	if c.kind == "sms" {
		if yes {
			text = "1"
		}
		form := twiliofake.Inbound{AccountSid: ltTwilioSID, From: c.phone, To: ltTwilioFrom, Body: text,
			FromCountry: map[string]string{"es": "ES", "fr": "FR", "en": "US"}[c.lang]}.Form()
		return []byte(form.Encode()), "application/x-www-form-urlencoded"
	}
	id := c.updates.Add(1)
	from := map[string]any{"id": c.chatID, "is_bot": false, "first_name": "Load", "last_name": strconv.Itoa(c.idx), "language_code": c.lang}
	chat := map[string]any{"id": c.chatID, "type": "private", "first_name": "Load"}
	var u map[string]any
	if data := yesButton(markup); yes && data != "" {
		u = map[string]any{"update_id": id, "callback_query": map[string]any{
			"id": "cb" + strconv.FormatInt(id, 10), "from": from, "chat_instance": strconv.FormatInt(c.chatID, 10), "data": data,
			"message": map[string]any{"message_id": 1, "date": time.Now().Unix(), "chat": chat, "text": "?"},
		}}
	} else {
		if yes {
			text = "1"
		}
		u = map[string]any{"update_id": id, "message": map[string]any{
			"message_id": id, "date": time.Now().Unix(), "chat": chat, "from": from, "text": text}}
	}
	b, _ := json.Marshal(u)
	return b, "application/json"
}

// yesButton is the callback data of the first inline button ("Yes").
func yesButton(markup string) string {
	var m struct {
		InlineKeyboard [][]struct {
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(markup), &m) != nil || len(m.InlineKeyboard) == 0 || len(m.InlineKeyboard[0]) == 0 {
		return ""
	}
	return m.InlineKeyboard[0][0].CallbackData
}

// deliver posts the webhook until an instance answers 2xx, like the
// platforms: connection errors and 5xx are retried with backoff on the next
// instance. It reports false when ctx ended first; a 4xx is an error in the
// load generator.
func (c *ltClient) deliver(ctx context.Context, b *balancer, body []byte, ctype string, r *result) (bool, error) {
	backoff := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			r.retries++
			select {
			case <-ctx.Done():
				return false, nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
		}
		addr := b.pick()
		path := "/webhooks/telegram"
		if c.kind == "sms" {
			path = twilio.WebhookPath
		}
		// The webhook has its own deadline, so that a cap on the run does
		// not cut a delivery in half (its reply would then look duplicated).
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		req, err := http.NewRequestWithContext(rctx, http.MethodPost, "http://"+addr+path, bytes.NewReader(body))
		if err != nil {
			cancel()
			return false, err
		}
		req.Header.Set("Content-Type", ctype)
		if c.kind == "sms" {
			form, _ := url.ParseQuery(string(body))
			req.Header.Set("X-Twilio-Signature", twiliofake.Signature(ltTwilioToken, ltPublicURL+twilio.WebhookPath, form))
		} else {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", ltTelegramSecret)
		}
		t0 := time.Now()
		resp, err := b.hc.Do(req)
		if err != nil {
			cancel()
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		cancel()
		switch {
		case resp.StatusCode < 300:
			r.ack = append(r.ack, time.Since(t0))
			r.ackAt = append(r.ackAt, t0)
			return true, nil
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			continue
		default:
			return false, fmt.Errorf("loadtest: %s webhook answered %d", c.kind, resp.StatusCode)
		}
	}
}
