package main

import (
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

// contentFlags are the knowledge-base options shared by every command.
type contentFlags struct {
	dir string
}

func (c *contentFlags) register(fs *flag.FlagSet, e env) {
	fs.StringVar(&c.dir, "content", e.getenv("SUPPORTBOT_CONTENT_DIR"), "knowledge-base folder replacing the embedded one (env SUPPORTBOT_CONTENT_DIR)")
}

func (c *contentFlags) fs() fs.FS {
	if c.dir == "" {
		return content.Embedded()
	}
	return os.DirFS(c.dir)
}

// loadKB loads and validates the knowledge base; names come from site.md
// unless the environment overrides them.
func (c *contentFlags) loadKB(e env) (*content.KB, error) {
	kb, err := content.Load(c.fs(), content.Site{
		Product: e.getenv("SUPPORTBOT_PRODUCT_NAME"),
		Team:    e.getenv("SUPPORTBOT_TEAM_NAME"),
		Email:   e.getenv("SUPPORTBOT_SUPPORT_EMAIL"),
	})
	if err != nil {
		return nil, fmt.Errorf("load knowledge base: %w", err)
	}
	return kb, nil
}

// loadMatcher loads the knowledge base and builds the matcher from it.
func (c *contentFlags) loadMatcher(e env) (*content.KB, *intents.Matcher, error) {
	kb, err := c.loadKB(e)
	if err != nil {
		return nil, nil, err
	}
	m, err := intents.FromSource(kb)
	if err != nil {
		return nil, nil, fmt.Errorf("build matcher: %w", err)
	}
	return kb, m, nil
}

// parseFlags parses a command's flags; -h prints its help and stops.
func parseFlags(fs *flag.FlagSet, args []string, e env) error {
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// logContent says what knowledge base serves, and each of its warnings:
// they do not stop the bot, but someone should fix them.
func logContent(log *slog.Logger, kb *content.KB) {
	for _, w := range kb.Warnings() {
		log.Warn("content warning", "problem", w.String())
	}
	log.Info("content loaded", "intents", len(kb.Intents()), "languages", langList(kb), "phrases", len(kb.Examples()), "warnings", len(kb.Warnings()))
}
