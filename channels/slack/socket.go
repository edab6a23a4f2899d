package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/hexfit/supportbot/bot"
)

// Run implements bot.Receiver with Socket Mode (Config.AppToken). h must
// be the engine (Engine): agents act through it too.
func (s *Slack) Run(ctx context.Context, h bot.Handler) error {
	e, ok := h.(Engine)
	if !ok {
		return errors.New("slack: socket mode needs the engine (Take, Reply, Note, Resolve), not only a Handler")
	}
	return s.RunSocket(ctx, e)
}

// RunSocket connects through Socket Mode and handles events and button
// presses until ctx ends (nil) or the connection fails for good. An
// envelope is acknowledged once its work is committed or queued; one that
// failed is left unacknowledged so Slack delivers it again.
func (s *Slack) RunSocket(ctx context.Context, e Engine) error {
	if s.cfg.AppToken == "" {
		return errors.New("slack: socket mode needs an app-level token")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := socketmode.New(s.api, socketmode.OptionLog(slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)))
	done := make(chan error, 1)
	go func() { done <- client.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-done
			return nil
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case ev := <-client.Events:
			if err := s.onSocket(ctx, client, e, ev); err != nil {
				cancel()
				<-done
				return err
			}
		}
	}
}

// onSocket handles one socketmode event; it returns an error only when the
// connection cannot work (bad token).
func (s *Slack) onSocket(ctx context.Context, client *socketmode.Client, e Engine, ev socketmode.Event) error {
	var err error
	switch ev.Type {
	case socketmode.EventTypeInvalidAuth:
		return errors.New("slack: socket mode: invalid app-level token")
	case socketmode.EventTypeConnectionError:
		s.log.Warn("slack: socket mode connection error", "err", ev.Data)
		return nil
	case socketmode.EventTypeEventsAPI:
		api, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok || ev.Request == nil {
			return nil
		}
		if api.Type == slackevents.CallbackEvent {
			err = s.onEvent(ctx, e, api)
		}
	case socketmode.EventTypeInteractive:
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok || ev.Request == nil {
			return nil
		}
		err = s.onAction(ctx, e, cb)
	default:
		return nil
	}
	if err != nil {
		s.log.Error("slack: envelope not processed; Slack will redeliver", "err", err)
		return nil
	}
	if aerr := client.AckCtx(ctx, ev.Request.EnvelopeID, nil); aerr != nil {
		s.log.Warn("slack: socket mode ack", "err", aerr)
	}
	return nil
}
