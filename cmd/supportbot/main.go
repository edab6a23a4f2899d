// Command supportbot is an omnichannel support bot: it answers clients on
// Telegram, WhatsApp, SMS and Discord from the help-center articles in
// content/, and hands conversations to human agents.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `usage: supportbot <command> [flags]

commands:
  serve              run the bot for every channel whose credentials are set
  chat               talk to the bot in this terminal (or pipe one message per line)
  eval               measure the intent matcher on a labelled JSON-lines file
  content validate   check a knowledge-base folder
  content export     print every training phrase as JSON lines
  handoffs           list the conversations waiting for or with an agent
  agent              console agent: take a handoff, reply, note, resolve
  outbox             list undeliverable messages (dead letters); outbox retry ID
  report             containment, handoffs, CSAT, unhelpful answers, content gaps
  data export        print everything held about one contact (--contact CHANNEL:ID) as JSON
  data erase         remove everything held about one contact
  data purge         remove the content of conversations idle longer than --older-than
  loadtest           load-and-fault run against local serve processes and fake platforms

Run "supportbot <command> -h" for the flags of a command.
`

// env is how commands read their environment; tests pass a map.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{os.Stdin, os.Stdout, os.Stderr, os.Getenv}))
}

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "chat":
		err = runChat(ctx, args[1:], e)
	case "eval":
		err = runEval(ctx, args[1:], e)
	case "content":
		err = runContent(ctx, args[1:], e)
	case "serve":
		err = runServe(ctx, args[1:], e)
	case "handoffs":
		err = runHandoffs(ctx, args[1:], e)
	case "agent":
		err = runAgent(ctx, args[1:], e)
	case "outbox":
		err = runOutbox(ctx, args[1:], e)
	case "report":
		err = runReport(ctx, args[1:], e)
	case "data":
		err = runData(ctx, args[1:], e)
	case "loadtest":
		err = runLoadtest(ctx, args[1:], e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return 0
	default:
		fmt.Fprintf(e.stderr, "supportbot: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		// The bare sentinel: the flag package already said why.
		if msg := strings.TrimRight(strings.TrimSuffix(err.Error(), errUsage.Error()), ":\n "); msg != "" {
			fmt.Fprintf(e.stderr, "supportbot %s: %s\n", args[0], msg)
		}
		return 2
	default:
		fmt.Fprintf(e.stderr, "supportbot %s: %v\n", args[0], err)
		return 1
	}
}
