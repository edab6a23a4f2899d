package slack

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/hexfit/supportbot/bot"
)

// Agent inbox buttons on a handoff's parent message; the block id carries
// the handoff id too, so a button press is understood without a lookup.
const (
	handoffBlock    = "handoff:" // + id
	takeActionID    = "handoff_take"
	resolveActionID = "handoff_resolve"
)

var channelNames = map[string]string{
	"telegram": "Telegram", "whatsapp": "WhatsApp", "sms": "SMS", "discord": "Discord",
	"slack": "Slack", "console": "Console",
}

func channelName(c string) string {
	if n, ok := channelNames[c]; ok {
		return n
	}
	return c
}

// langName names a language in English for the agents: "Portuguese (pt)".
func langName(l bot.Lang) string {
	tag, err := language.Parse(string(l))
	if l == "" || err != nil {
		return "unknown"
	}
	return display.English.Languages().Name(tag) + " (" + string(l) + ")"
}

var reasons = map[string]string{
	"requested":     "The client asked for a person",
	"unhelpful":     "The answer did not help",
	"misunderstood": "The bot did not understand, twice",
	"needs_staff":   "This needs staff action",
}

func reasonText(r string) string {
	if t, ok := reasons[r]; ok {
		return t
	}
	if r == "" {
		return "—"
	}
	return r
}

var userIDRe = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// who shows an agent: a Slack user id as a mention, any other name as is
// (the console agent names itself).
func who(agent string) string {
	if userIDRe.MatchString(agent) {
		return "<@" + agent + ">"
	}
	return escape(agent)
}

// view is what a parent message shows, loaded from the store.
type view struct {
	h      bot.Handoff
	client string // display name
	intent bot.Intent
	lines  []string // last transcript lines, mrkdwn
}

// loadView reads a handoff with its client and the transcript up to the
// handoff.
func (s *Slack) loadView(ctx context.Context, id int64) (view, error) {
	h, err := s.cfg.Store.Handoff(ctx, id)
	if err != nil {
		return view{}, err
	}
	v := view{h: h, client: h.ContactID}
	ct, err := s.cfg.Store.Contact(ctx, h.Channel, h.ContactID)
	switch {
	case err == nil && ct.Name != "":
		v.client = ct.Name
	case err != nil && !errors.Is(err, bot.ErrNotFound):
		return view{}, err
	}
	entries, err := s.cfg.Store.Transcript(ctx, h.ConvID, 0, 0)
	if err != nil {
		return view{}, err
	}
	// Entries up to the handoff: later client messages go to the thread.
	limit := h.CreatedAt.Add(time.Second)
	var shown []bot.Entry
	for _, e := range entries {
		if !h.CreatedAt.IsZero() && e.At.After(limit) {
			break
		}
		if e.Kind == bot.KindClient && e.Intent != bot.NoIntent && s.kind(e.Intent) != bot.OutOfScopeIntent {
			if v.intent == "" || s.kind(e.Intent) == bot.AnswerIntent || s.kind(v.intent) != bot.AnswerIntent {
				v.intent = e.Intent
			}
		}
		if e.Kind != bot.KindNote {
			shown = append(shown, e)
		}
	}
	if len(shown) > s.cfg.TranscriptLines {
		shown = shown[len(shown)-s.cfg.TranscriptLines:]
	}
	for _, e := range shown {
		v.lines = append(v.lines, "> *"+s.author(e, v.client)+":* "+escape(oneLine(textOr(e.Text, "(no text)"))))
	}
	return v, nil
}

func textOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func (s *Slack) author(e bot.Entry, client string) string {
	switch e.Kind {
	case bot.KindClient:
		return escape(client)
	case bot.KindAgent:
		return "Agent " + who(e.Author)
	default:
		return "Bot"
	}
}

// kind is an intent's kind: an answer is more telling than a greeting or
// a request for a person. Without a knowledge base every intent is one.
func (s *Slack) kind(i bot.Intent) bot.IntentKind {
	if s.cfg.Knowledge == nil {
		return bot.AnswerIntent
	}
	k, _ := s.cfg.Knowledge.Kind(i)
	return k
}

// parentBlocks renders the parent message of a handoff in its current
// state: the facts, the last messages, and the buttons that still apply.
func parentBlocks(v view, now time.Time) []slack.Block {
	h := v.h
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	intent := "—"
	if v.intent != "" {
		intent = "`" + string(v.intent) + "`"
	}
	var status string
	switch h.Status {
	case bot.HandoffWaiting:
		status = ":hourglass_flowing_sand: Waiting for an agent"
	case bot.HandoffTaken:
		status = ":raising_hand: Taken by " + who(h.Agent)
	case bot.HandoffResolved:
		status = ":white_check_mark: Resolved by " + who(h.Agent)
		if !h.CreatedAt.IsZero() && !h.ResolvedAt.IsZero() {
			status += " after " + h.ResolvedAt.Sub(h.CreatedAt).Round(time.Minute).String()
		}
		if h.CSAT > 0 {
			status += " · satisfaction " + strconv.Itoa(h.CSAT) + "/5"
		}
	}
	title := fmt.Sprintf("*Handoff #%d* · %s on %s", h.ID, escape(v.client), channelName(h.Channel))
	blocks := []slack.Block{
		slack.NewSectionBlock(md(title), nil, nil),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{
			md("*Client*\n" + escape(v.client)),
			md("*Channel*\n" + channelName(h.Channel)),
			md("*Language*\n" + langName(h.Lang)),
			md("*Intent*\n" + intent),
			md("*Why*\n" + reasonText(h.Reason)),
			md("*Status*\n" + status),
		}, nil),
	}
	if len(v.lines) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(md(clip("*Last messages*\n"+strings.Join(v.lines, "\n"), maxSectionLen)), nil, nil))
	}
	var buttons []slack.BlockElement
	id := strconv.FormatInt(h.ID, 10)
	if h.Status == bot.HandoffWaiting {
		buttons = append(buttons, slack.NewButtonBlockElement(takeActionID, id,
			slack.NewTextBlockObject(slack.PlainTextType, "Take", false, false)).WithStyle(slack.StylePrimary))
	}
	if h.Status != bot.HandoffResolved {
		buttons = append(buttons, slack.NewButtonBlockElement(resolveActionID, id,
			slack.NewTextBlockObject(slack.PlainTextType, "Resolve", false, false)).WithStyle(slack.StyleDanger))
		blocks = append(blocks, slack.NewActionBlock(handoffBlock+id, buttons...))
		blocks = append(blocks, slack.NewContextBlock("help:"+id, md("Reply in the thread to answer the client · start with `note:` for an internal note · `resolve` closes")))
	}
	return blocks
}

// parentText is the notification fallback of a parent message. Slack reads
// it as mrkdwn too: the client's name is escaped as in the blocks, or a
// visitor named "<!channel>" would ping the agents channel.
func parentText(v view) string {
	return fmt.Sprintf("Handoff #%d: %s on %s (%s)", v.h.ID, escape(v.client), channelName(v.h.Channel), v.h.Status)
}
