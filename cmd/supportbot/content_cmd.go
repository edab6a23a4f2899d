package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/hexfit/supportbot/content"
)

func runContent(_ context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "usage: supportbot content validate|export [flags]")
		return errUsage
	}
	var c contentFlags
	fs := flag.NewFlagSet("content "+args[0], flag.ContinueOnError)
	c.register(fs, e)
	switch args[0] {
	case "validate":
		if err := parseFlags(fs, args[1:], e); err != nil {
			return err
		}
		errs, warns := 0, 0
		for _, p := range content.Validate(c.fs()) {
			fmt.Fprintln(e.stdout, p)
			if p.Warn {
				warns++
			} else {
				errs++
			}
		}
		if errs > 0 {
			return fmt.Errorf("%d problem(s), %d warning(s)", errs, warns)
		}
		kb, err := c.loadKB(e)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "content OK: %d intents in %s, %d training phrases, %d article texts, %d warning(s)\n",
			len(kb.Intents()), langList(kb), len(kb.Examples()), len(kb.Docs()), warns)
		return nil
	case "export":
		format := fs.String("format", "jsonl", "output format (jsonl)")
		if err := parseFlags(fs, args[1:], e); err != nil {
			return err
		}
		if *format != "jsonl" {
			return fmt.Errorf("unknown format %q (want jsonl): %w", *format, errUsage)
		}
		kb, err := c.loadKB(e)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		for _, ex := range kb.Examples() {
			line := struct {
				Text   string `json:"text"`
				Intent string `json:"intent"`
				Lang   string `json:"lang"`
			}{ex.Text, string(ex.Intent), string(ex.Lang)}
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown content command %q (want %s): %w", args[0], strings.Join([]string{"validate", "export"}, " or "), errUsage)
	}
}
