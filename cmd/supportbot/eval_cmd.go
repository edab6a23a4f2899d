package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/hexfit/supportbot/intents"
)

func runEval(_ context.Context, args []string, e env) error {
	var c contentFlags
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	c.register(fs, e)
	file := fs.String("file", "", "labelled JSON lines: {\"text\",\"intent\",\"lang\"} (required)")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the text report")
	min := fs.Float64("min-accuracy", 0, "exit with status 1 when accuracy is below this fraction (e.g. 0.95)")
	zero := fs.Bool("zero-shot", false, "leave-one-intent-out: each answer intent scored without its phrases, from its article text")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if *file == "" {
		fmt.Fprintln(e.stderr, "eval: --file is required")
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(*file)
	if err != nil {
		return fmt.Errorf("open cases: %w", err)
	}
	defer f.Close()
	cases, err := intents.ReadCases(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	if *zero {
		return zeroShot(c, e, cases, *asJSON, *min)
	}
	_, m, err := c.loadMatcher(e)
	if err != nil {
		return err
	}
	rep := intents.Evaluate(m, cases)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := rep.WriteText(e.stdout); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if rep.Accuracy < *min {
		return fmt.Errorf("accuracy %.4f is below the minimum %.4f", rep.Accuracy, *min)
	}
	return nil
}

// zeroShot prints the leave-one-intent-out table; min applies to the mean
// recall.
func zeroShot(c contentFlags, e env, cases []intents.Case, asJSON bool, min float64) error {
	kb, err := c.loadKB(e)
	if err != nil {
		return err
	}
	z, err := intents.EvaluateZeroShot(intents.ConfigOf(kb), cases)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(z); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := z.WriteText(e.stdout); err != nil {
		return err
	}
	if z.MeanRecall < min {
		return fmt.Errorf("zero-shot mean recall %.4f is below the minimum %.4f", z.MeanRecall, min)
	}
	return nil
}
