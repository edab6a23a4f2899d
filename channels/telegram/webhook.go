package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/hexfit/supportbot/bot"
)

// SecretHeader carries the webhook secret_token on every Telegram delivery.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// SetWebhook registers url (the public URL of WebhookHandler) with the
// configured secret_token. The SDK predates secret_token, hence MakeRequest.
func (c *Channel) SetWebhook(ctx context.Context, url string) error {
	if c.secret == "" {
		return errors.New("telegram: set webhook: no webhook secret configured")
	}
	params := tgbotapi.Params{"url": url, "secret_token": c.secret}
	if err := params.AddInterface("allowed_updates", []string{"message", "callback_query"}); err != nil {
		return c.wrap("set webhook", err)
	}
	if _, err := c.with(ctx).MakeRequest("setWebhook", params); err != nil {
		return c.wrap("set webhook", err)
	}
	return nil
}

// WebhookHandler serves Telegram's webhook deliveries. It answers 403 when
// the secret header is missing or wrong (and whenever no secret is
// configured), 413 for bodies over 128 KB, 400 for malformed JSON, 500 when h
// failed (Telegram redelivers) and 200 otherwise, duplicates included.
func (c *Channel) WebhookHandler(h bot.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get(SecretHeader)
		if c.secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(c.secret)) != 1 {
			c.log.WarnContext(r.Context(), "webhook refused: bad secret", "remote", r.RemoteAddr)
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		body, code := readBody(w, r)
		if code != http.StatusOK {
			http.Error(w, http.StatusText(code), code)
			return
		}
		var u tgbotapi.Update
		if err := json.Unmarshal(body, &u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		if err := c.deliver(r.Context(), h, u); err != nil {
			c.log.ErrorContext(r.Context(), "webhook update not stored", "update_id", u.UpdateID, "err", err)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// readBody reads a delivery of at most maxBody bytes, refusing a larger
// Content-Length before reading; it returns the status to refuse with.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, int) {
	if r.ContentLength > maxBody {
		return nil, http.StatusRequestEntityTooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge
	case err != nil:
		return nil, http.StatusBadRequest
	}
	return body, http.StatusOK
}
