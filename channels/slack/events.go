package slack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/hexfit/supportbot/bot"
)

// maxBody is the largest Events API or interactivity request accepted
// (413 beyond). A message is at most 40,000 characters, and its event
// carries it twice (text and rich-text blocks).
const maxBody = 256 << 10

// Events returns the Events API handler (mount it on EventsPath): it
// checks the signature and timestamp (stale or forged requests get 401),
// answers url_verification, commits staff questions before answering and
// queues agent work after, so Slack gets its answer well within 3 s.
// Redeliveries (X-Slack-Retry-Num) are recognized by the message ts.
func (s *Slack) Events(e Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.verified(w, r)
		if !ok {
			return
		}
		ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
		if err != nil {
			// An event type this app does not use: ack, or Slack retries.
			s.log.Debug("slack: unparsed event", "err", err)
			w.WriteHeader(http.StatusOK)
			return
		}
		switch ev.Type {
		case slackevents.URLVerification:
			var ch slackevents.ChallengeResponse
			if err := json.Unmarshal(body, &ch); err != nil {
				http.Error(w, "bad challenge", http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, ch.Challenge)
			return
		case slackevents.CallbackEvent:
			if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
				s.log.Debug("slack: event redelivery", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
			}
			if err := s.onEvent(r.Context(), e, ev); err != nil {
				s.fail(w, err)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// Interactions returns the interactivity handler (mount it on
// InteractionsPath): block_actions from the staff-answer buttons and from
// Take and Resolve, with the same verification as Events.
func (s *Slack) Interactions(e Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := s.verified(w, r)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("payload") == "" {
			http.Error(w, "missing payload", http.StatusBadRequest)
			return
		}
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		if err := s.onAction(r.Context(), e, cb); err != nil {
			s.fail(w, err)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// verified reads the body and checks Slack's signature over it.
func (s *Slack) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	if s.cfg.SigningSecret == "" {
		s.log.Error("slack: request refused: no signing secret configured")
		http.Error(w, "not configured", http.StatusServiceUnavailable)
		return nil, false
	}
	// The headers (present, timestamp fresh) are checked before the body
	// is read, its size before it is hashed.
	sv, err := slack.NewSecretsVerifier(r.Header, s.cfg.SigningSecret)
	if err != nil {
		s.log.Warn("slack: request refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusUnauthorized)
		return nil, false
	}
	body, code := readBody(r)
	if code != http.StatusOK {
		http.Error(w, http.StatusText(code), code)
		return nil, false
	}
	if err := ensure(&sv, body); err != nil {
		s.log.Warn("slack: request refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// readBody reads at most maxBody bytes, refusing a larger Content-Length
// before reading; it returns the status to refuse with.
func readBody(r *http.Request) ([]byte, int) {
	if r.ContentLength > maxBody {
		return nil, http.StatusRequestEntityTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		return nil, http.StatusBadRequest
	case len(body) > maxBody:
		return nil, http.StatusRequestEntityTooLarge
	}
	return body, http.StatusOK
}

// ensure checks X-Slack-Signature over body with a verifier made from the
// headers (slack.NewSecretsVerifier, which refuses timestamps older than
// five minutes, against replays).
func ensure(sv *slack.SecretsVerifier, body []byte) error {
	if _, err := sv.Write(body); err != nil {
		return errors.Join(bot.ErrForbidden, err)
	}
	if err := sv.Ensure(); err != nil {
		return errors.Join(bot.ErrForbidden, err)
	}
	return nil
}

// fail answers so that Slack redelivers: 503 when the queue is full, 500
// when a staff question could not be stored.
func (s *Slack) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, errBusy) {
		s.log.Warn("slack: busy, asking Slack to retry")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	s.log.Error("slack: event not processed", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}
