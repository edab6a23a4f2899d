package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// runOutbox lists dead letters (messages that could not be delivered) and
// can put one back in the queue: `supportbot outbox [retry ID]`.
func runOutbox(ctx context.Context, args []string, e env) error {
	var d dataFlags
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	d.register(fs, e)
	asJSON := fs.Bool("json", false, "print JSON")
	limit := fs.Int("limit", 50, "list at most this many")
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	var retry int64
	switch rest := fs.Args(); {
	case len(rest) == 0:
	case len(rest) == 2 && rest[0] == "retry":
		id, err := strconv.ParseInt(rest[1], 10, 64)
		if err != nil {
			return fmt.Errorf("retry %q: want a message id: %w", rest[1], errUsage)
		}
		retry = id
	default:
		fmt.Fprintln(e.stderr, "usage: supportbot outbox [--data DIR] [--json] [retry ID]")
		return errUsage
	}
	st, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if retry != 0 {
		if err := st.RequeueOutbox(ctx, retry, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "message %d queued again; a running bot sends it\n", retry)
		return nil
	}
	pending, err := st.PendingOutbox(ctx, "")
	if err != nil {
		return err
	}
	dead, err := st.Outbox(ctx, bot.OutboxDead, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		type row struct {
			ID        int64     `json:"id"`
			Channel   string    `json:"channel"`
			ChatID    string    `json:"chat_id"`
			Kind      string    `json:"kind"`
			Attempts  int       `json:"attempts"`
			LastError string    `json:"last_error"`
			CreatedAt time.Time `json:"created_at"`
		}
		out := struct {
			Pending int   `json:"pending"`
			Dead    []row `json:"dead"`
		}{Pending: pending, Dead: []row{}}
		for _, it := range dead {
			out.Dead = append(out.Dead, row{it.ID, it.Channel, it.ChatID, it.Kind, it.Attempts, it.LastError, it.CreatedAt})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "pending: %d\ndead letters: %d\n", pending, len(dead))
	if len(dead) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCHANNEL\tCHAT\tKIND\tATTEMPTS\tQUEUED\tLAST ERROR")
	for _, it := range dead {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", it.ID, it.Channel, it.ChatID, it.Kind, it.Attempts,
			it.CreatedAt.Format(time.RFC3339), it.LastError)
	}
	return tw.Flush()
}
