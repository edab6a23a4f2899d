package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/hexfit/supportbot/bot"
)

const agentHelp = `commands:
  list            the queue (waiting and taken handoffs)
  take ID         take a handoff and show its transcript
  show            the transcript of the handoff you hold
  reply TEXT      send TEXT to the client
  note TEXT       add an internal note (the client never sees it)
  resolve         close the handoff: the client is asked for a 1–5 score
  help, quit
`

// runAgent is a console agent working on the same database as a running
// bot: replies are queued in the outbox and the bot's dispatcher sends them.
func runAgent(ctx context.Context, args []string, e env) error {
	var c contentFlags
	var d dataFlags
	var ef engineFlags
	fs := flag.NewFlagSet("agent", flag.ContinueOnError)
	c.register(fs, e)
	d.register(fs, e)
	ef.register(fs, e)
	name := fs.String("name", orEnv(e, "USER", "agent"), "your agent name")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	cfg, err := ef.config()
	if err != nil {
		return err
	}
	kb, m, err := c.loadMatcher(e)
	if err != nil {
		return err
	}
	st, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	cfg.Store, cfg.Matcher, cfg.Knowledge = st, m, kb
	cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	eng, err := bot.NewEngine(cfg)
	if err != nil {
		return err
	}
	interactive := false
	if f, ok := e.stdin.(*os.File); ok {
		interactive = term.IsTerminal(int(f.Fd()))
	}
	a := &agentConsole{eng: eng, st: st, name: *name, out: e.stdout, interactive: interactive}
	return a.run(ctx, e.stdin)
}

type agentConsole struct {
	eng         *bot.Engine
	st          bot.Store
	name        string
	interactive bool

	mu       sync.Mutex // guards out and the fields below (the follower prints too)
	out      io.Writer
	handoff  int64
	convID   int64
	lastSeen int64
}

func (a *agentConsole) printf(format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	fmt.Fprintf(a.out, format, args...)
}

func (a *agentConsole) run(ctx context.Context, in io.Reader) error {
	a.printf("agent %s. %s", a.name, agentHelp)
	if err := a.list(ctx); err != nil {
		return err
	}
	if a.interactive {
		// Show the client's new messages as they arrive.
		fctx, stop := context.WithCancel(ctx)
		defer stop()
		go a.follow(fctx)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for {
		if a.interactive {
			a.printf("agent> ")
		}
		if !sc.Scan() {
			return sc.Err()
		}
		if ctx.Err() != nil {
			return nil
		}
		cmd, rest, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		rest = strings.TrimSpace(rest)
		var err error
		switch strings.ToLower(cmd) {
		case "":
		case "list", "ls":
			err = a.list(ctx)
		case "take":
			err = a.take(ctx, rest)
		case "show":
			err = a.show(ctx, true)
		case "reply", "r":
			err = a.withHandoff(func(id int64) error { return a.eng.Reply(ctx, id, a.name, rest) })
			if err == nil {
				a.printf("sent to the outbox\n")
			}
		case "note", "n":
			err = a.withHandoff(func(id int64) error { return a.eng.Note(ctx, id, a.name, rest) })
			if err == nil {
				a.printf("note added\n")
			}
		case "resolve":
			err = a.withHandoff(func(id int64) error { return a.eng.Resolve(ctx, id, a.name) })
			if err == nil {
				a.mu.Lock()
				a.handoff, a.convID = 0, 0
				a.mu.Unlock()
				a.printf("resolved; the client is asked for a score\n")
			}
		case "help", "?":
			a.printf("%s", agentHelp)
		case "quit", "exit":
			return nil
		default:
			a.printf("unknown command %q (try help)\n", cmd)
		}
		if err != nil {
			a.printf("error: %v\n", err)
		}
		if !a.interactive {
			_ = a.show(ctx, false) // a script sees what arrived in between
		}
	}
}

func (a *agentConsole) list(ctx context.Context) error {
	hs, err := a.st.Handoffs(ctx, bot.HandoffWaiting, bot.HandoffTaken)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	printHandoffs(a.out, hs, time.Now())
	return nil
}

func (a *agentConsole) withHandoff(f func(id int64) error) error {
	a.mu.Lock()
	id := a.handoff
	a.mu.Unlock()
	if id == 0 {
		return errors.New("take a handoff first (take ID)")
	}
	return f(id)
}

func (a *agentConsole) take(ctx context.Context, arg string) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return fmt.Errorf("take %q: want a handoff id from the list", arg)
	}
	if err := a.eng.Take(ctx, id, a.name); err != nil {
		return err
	}
	h, err := a.st.Handoff(ctx, id)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.handoff, a.convID, a.lastSeen = id, h.ConvID, 0
	a.mu.Unlock()
	a.printf("you have handoff %d (%s %s, %s, reason %s)\n", id, h.Channel, h.ChatID, h.Lang, h.Reason)
	return a.show(ctx, true)
}

// show prints the transcript of the held conversation: all of it, or only
// what arrived since last shown.
func (a *agentConsole) show(ctx context.Context, all bool) error {
	a.mu.Lock()
	conv, after := a.convID, a.lastSeen
	a.mu.Unlock()
	if conv == 0 {
		if all {
			return errors.New("take a handoff first (take ID)")
		}
		return nil
	}
	if all {
		after = 0
	}
	es, err := a.st.Transcript(ctx, conv, after, 0)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, en := range es {
		if en.ID > a.lastSeen {
			a.lastSeen = en.ID
		}
		if !all && en.Kind != bot.KindClient {
			continue // the agent's own lines and bot notices were seen when made
		}
		who := en.Kind
		switch en.Kind {
		case bot.KindAgent, bot.KindNote:
			who = en.Kind + "(" + en.Author + ")"
		}
		fmt.Fprintf(a.out, "  [%s] %s: %s\n", en.At.Local().Format("15:04"), who,
			strings.ReplaceAll(en.Text, "\n", "\n      "))
	}
	return nil
}

func (a *agentConsole) follow(ctx context.Context) {
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			_ = a.show(ctx, false)
		}
	}
}
