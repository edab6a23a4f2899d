package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// runHandoffs lists the conversations waiting for or with an agent.
func runHandoffs(ctx context.Context, args []string, e env) error {
	var d dataFlags
	fs := flag.NewFlagSet("handoffs", flag.ContinueOnError)
	d.register(fs, e)
	all := fs.Bool("all", false, "include resolved handoffs")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	st, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	statuses := []bot.HandoffStatus{bot.HandoffWaiting, bot.HandoffTaken}
	if *all {
		statuses = append(statuses, bot.HandoffResolved)
	}
	hs, err := st.Handoffs(ctx, statuses...)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if hs == nil {
			hs = []bot.Handoff{}
		}
		return enc.Encode(hs)
	}
	printHandoffs(e.stdout, hs, time.Now())
	return nil
}

func printHandoffs(w io.Writer, hs []bot.Handoff, now time.Time) {
	if len(hs) == 0 {
		fmt.Fprintln(w, "no handoffs in the queue")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tAGE\tCHANNEL\tCHAT\tLANG\tREASON\tAGENT")
	for _, h := range hs {
		agent := h.Agent
		if agent == "" {
			agent = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.Status, now.Sub(h.CreatedAt).Round(time.Second),
			h.Channel, h.ChatID, h.Lang, h.Reason, agent)
	}
	tw.Flush()
}
