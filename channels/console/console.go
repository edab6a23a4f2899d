// Package console is the terminal channel: it reads one client message per
// line and prints the bot's replies with their options numbered. It drives
// `supportbot chat`, interactively or from a script on standard input.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Name is the channel name stored with console conversations.
const Name = "console"

// Options says who is typing and how the terminal behaves.
type Options struct {
	ChatID    string       // conversation key part (default "local")
	ContactID string       // default "console-user"
	Name      string       // display name
	Locale    string       // e.g. "fr-FR"
	Audience  bot.Audience // client or staff (default client)
	// Prompt is printed before each line is read, and again after a reply
	// arrives (interactive terminals only; "" prints none).
	Prompt string
	// AfterLine runs after each line was handled, e.g. to wait until its
	// replies are printed so a script's output stays in order.
	AfterLine func(ctx context.Context) error
}

// Channel is a bot.Channel and bot.Receiver over a reader and a writer.
type Channel struct {
	in    io.Reader
	out   io.Writer
	opt   Options
	mu    sync.Mutex // serializes writes to out
	seq   atomic.Int64
	epoch string // makes platform ids unique across restarts
}

var (
	_ bot.Channel  = (*Channel)(nil)
	_ bot.Receiver = (*Channel)(nil)
)

// New returns a console channel reading in and writing out.
func New(in io.Reader, out io.Writer, o Options) *Channel {
	if o.ChatID == "" {
		o.ChatID = "local"
	}
	if o.ContactID == "" {
		o.ContactID = "console-user"
	}
	if o.Audience == "" {
		o.Audience = bot.Client
	}
	return &Channel{in: in, out: out, opt: o, epoch: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

// Name implements bot.Channel.
func (c *Channel) Name() string { return Name }

// Capabilities implements bot.Channel: plain text, options as numbers.
func (c *Channel) Capabilities() bot.Capabilities {
	return bot.Capabilities{Buttons: false, Relayable: true}
}

// Send implements bot.Channel: it prints the reply.
func (c *Channel) Send(ctx context.Context, o bot.Outbound) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("console: send: %w", err)
	}
	who := "bot"
	if o.Kind == bot.KindAgent {
		who = "agent"
	}
	text := o.Reply.Text
	for i, b := range o.Reply.Buttons { // only if someone rendered buttons for us anyway
		text += fmt.Sprintf("\n%d. %s", i+1, b.Label)
	}
	// Continuation lines are indented under the text; blank ones stay blank.
	lines := strings.Split(text, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = strings.Repeat(" ", len(who)+2) + lines[i]
		}
	}
	text = strings.Join(lines, "\n")
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	if c.opt.Prompt != "" {
		_, err = fmt.Fprintf(c.out, "\r%s> %s\n%s", who, text, c.opt.Prompt)
	} else {
		_, err = fmt.Fprintf(c.out, "%s> %s\n", who, text)
	}
	if err != nil {
		return "", fmt.Errorf("console: send: %w", err)
	}
	return "console-" + c.epoch + "-" + strconv.FormatInt(o.ID, 10), nil
}

// Run implements bot.Receiver: each line is one message. It returns nil at
// the end of input or when ctx ends.
func (c *Channel) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() { // a blocked terminal read cannot be interrupted: let it end with stdin
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	c.prompt()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if err != nil {
				return fmt.Errorf("console: read: %w", err)
			}
			return nil
		case line := <-lines:
			m := bot.Message{
				Channel: Name, ChatID: c.opt.ChatID, ContactID: c.opt.ContactID, DisplayName: c.opt.Name,
				Text: line, Locale: c.opt.Locale, Audience: c.opt.Audience,
				PlatformID: c.epoch + "-" + strconv.FormatInt(c.seq.Add(1), 10), Time: time.Now(),
			}
			if err := h.Handle(ctx, m); err != nil && !errors.Is(err, bot.ErrDuplicate) {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("console: handle: %w", err)
			}
			if c.opt.AfterLine != nil {
				if err := c.opt.AfterLine(ctx); err != nil && ctx.Err() == nil {
					return fmt.Errorf("console: after line: %w", err)
				}
			}
			c.prompt()
		}
	}
}

func (c *Channel) prompt() {
	if c.opt.Prompt == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprint(c.out, c.opt.Prompt)
}
