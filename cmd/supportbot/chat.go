package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/console"
)

// runChat talks to the engine through the console channel. State lives in
// the database, so the conversation survives a restart and an agent can
// take it from `supportbot agent` in another terminal.
func runChat(ctx context.Context, args []string, e env) error {
	var c contentFlags
	var d dataFlags
	var ef engineFlags
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	c.register(fs, e)
	d.register(fs, e)
	ef.register(fs, e)
	lang := fs.String("lang", "", "start in this language, one of the knowledge base's (default: detected)")
	audience := fs.String("audience", "client", "who is writing: client or staff")
	chatID := fs.String("chat", "local", "conversation id: another id starts another conversation")
	name := fs.String("name", "", "your display name (shown to agents)")
	contactID := fs.String("contact-id", "console-user", "who you are (supportbot data export --contact console:ID finds your data)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if *audience != string(bot.Client) && *audience != string(bot.Staff) {
		return fmt.Errorf("--audience %q: want client or staff: %w", *audience, errUsage)
	}
	cfg, err := ef.config()
	if err != nil {
		return err
	}
	kb, m, err := c.loadMatcher(e)
	if err != nil {
		return err
	}
	if *lang != "" && !bot.Speaks(kb, bot.Lang(*lang)) {
		return fmt.Errorf("--lang %q: want one of the knowledge base's languages (%s): %w", *lang, langList(kb), errUsage)
	}
	st, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// One chat process dispatches for the console: replies a killed one
	// had claimed go out now rather than when their lease ends.
	if _, err := st.ReleaseLeases(ctx, []string{console.Name}); err != nil {
		return err
	}

	interactive := false
	if f, ok := e.stdin.(*os.File); ok {
		interactive = term.IsTerminal(int(f.Fd()))
	}
	opts := console.Options{ChatID: *chatID, ContactID: *contactID, Name: *name, Locale: *lang, Audience: bot.Audience(*audience)}
	if interactive {
		opts.Prompt = "you> "
	} else {
		// A script prints each message's replies before the next line is read.
		opts.AfterLine = func(ctx context.Context) error { return waitSent(ctx, st, console.Name) }
	}
	ch := console.New(e.stdin, e.stdout, opts)
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	disp, err := bot.NewDispatcher(bot.DispatcherConfig{Store: st, Channels: []bot.Channel{ch}, Poll: 200 * time.Millisecond, Logger: log})
	if err != nil {
		return err
	}
	cfg.Store, cfg.Matcher, cfg.Knowledge, cfg.Logger, cfg.Courier = st, m, kb, log, disp
	cfg.Channels = map[string]bot.Capabilities{console.Name: ch.Capabilities()}
	eng, err := bot.NewEngine(cfg)
	if err != nil {
		return err
	}
	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = disp.Run(bg) })
	wg.Go(func() { _ = eng.Run(bg) })
	defer func() { stop(); wg.Wait() }()
	if interactive {
		l := bot.Lang(*lang)
		if !bot.Speaks(kb, l) {
			l = kb.Langs()[0]
		}
		fmt.Fprintf(e.stdout, "bot> %s\n", kb.Text(l, "welcome", nil))
	}
	return ch.Run(ctx, eng)
}

// waitSent blocks until the outbox holds no pending message of a channel
// (or a few seconds passed: a failing send keeps retrying in the background).
func waitSent(ctx context.Context, st bot.Store, channel string) error {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, err := st.PendingOutbox(ctx, channel)
		if err != nil || n == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// langList names a knowledge base's languages: "es, fr, en".
func langList(k bot.Knowledge) string {
	ls := k.Langs()
	s := make([]string, len(ls))
	for i, l := range ls {
		s[i] = string(l)
	}
	return strings.Join(s, ", ")
}
