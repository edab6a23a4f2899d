package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/slack"
)

const dataUsage = `usage: supportbot data <export|erase|purge> [flags]

  export --contact CHANNEL:ID   print everything held about one contact, as JSON
  erase  --contact CHANNEL:ID   remove all of it (language and SMS opt-out excepted)
  purge  --older-than 90d [--dry-run]
                                remove the content of conversations idle for longer
`

// runData is `supportbot data`: access, erasure and retention on request,
// on the store serve uses (SUPPORTBOT_DATABASE_URL, else SQLite).
func runData(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, dataUsage)
		return errUsage
	}
	switch args[0] {
	case "export", "erase":
		return runDataContact(ctx, args[0], args[1:], e)
	case "purge":
		return runDataPurge(ctx, args[1:], e)
	}
	fmt.Fprintf(e.stderr, "unknown data command %q\n\n%s", args[0], dataUsage)
	return errUsage
}

func runDataContact(ctx context.Context, action string, args []string, e env) error {
	var d dataFlags
	fs := flag.NewFlagSet("data "+action, flag.ContinueOnError)
	d.register(fs, e)
	contact := fs.String("contact", "", "the contact, CHANNEL:ID (e.g. telegram:12345, sms:+34600000000, console:console-user)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	ref, err := bot.ParseContactRef(*contact)
	if err != nil {
		return fmt.Errorf("--contact: %w: %w", err, errUsage)
	}
	st, err := openStore(ctx, e, &d)
	if err != nil {
		return err
	}
	defer st.Close()
	if action == "export" {
		x, err := st.ExportContact(ctx, ref)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(x)
	}
	rm, err := st.EraseContact(ctx, ref, time.Now())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	log.Info("privacy: contact erased", "channel", ref.Channel, "removed", rm.String())
	fmt.Fprintf(e.stdout, "erased %s: %s\n", ref, rm)
	return redactDesk(ctx, e, st, log, rm.DeskThreads)
}

func runDataPurge(ctx context.Context, args []string, e env) error {
	var d dataFlags
	fs := flag.NewFlagSet("data purge", flag.ContinueOnError)
	d.register(fs, e)
	older := fs.String("older-than", "", "remove the content of conversations with no activity for this long, e.g. 90d")
	dry := fs.Bool("dry-run", false, "only count what would be removed")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	age, err := parseSince(*older)
	if err != nil {
		return fmt.Errorf("--older-than %q: %v: %w", *older, err, errUsage)
	}
	st, err := openStore(ctx, e, &d)
	if err != nil {
		return err
	}
	defer st.Close()
	before := time.Now().Add(-age)
	rm, err := st.Purge(ctx, before, *dry)
	if err != nil {
		return err
	}
	if *dry {
		fmt.Fprintf(e.stdout, "dry run: a purge of conversations idle since %s would remove %s\n", before.UTC().Format(time.RFC3339), rm)
		return nil
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	log.Info("privacy: purged", "before", before.UTC(), "removed", rm.String())
	fmt.Fprintf(e.stdout, "purged conversations idle since %s: %s\n", before.UTC().Format(time.RFC3339), rm)
	return redactDesk(ctx, e, st, log, rm.DeskThreads)
}

// redactDesk replaces the Slack copies of removed conversations when the
// agent inbox is configured.
func redactDesk(ctx context.Context, e env, st appStore, log *slog.Logger, threads []bot.DeskThread) error {
	tok, agents := e.getenv("SUPPORTBOT_SLACK_BOT_TOKEN"), e.getenv("SUPPORTBOT_SLACK_AGENTS_CHANNEL")
	if len(threads) == 0 || tok == "" || agents == "" {
		return nil
	}
	app, err := slack.New(slack.Config{BotToken: tok, AgentsChannel: agents, APIURL: e.getenv("SUPPORTBOT_SLACK_API_URL"),
		HTTPClient: &http.Client{Timeout: 30 * time.Second}, Store: st, Threads: st, Logger: log})
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Redact(ctx, threads); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "replaced %d Slack threads by a notice\n", len(threads))
	return nil
}
