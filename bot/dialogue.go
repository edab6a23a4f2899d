package bot

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dlg is one decision in progress: the conversation and contact as they
// will be stored, and the replies so far.
type dlg struct {
	e      *Engine
	conv   Conversation
	ct     Contact
	lang   Lang
	now    time.Time
	in     *Entry
	t      *turn
	prefix string // said before the next reply (e.g. "your message was long")
}

// decide is the dialogue: given the stored state, one inbound message and
// the rate limit's verdict on it, what to store and say. It does no I/O.
func (e *Engine) decide(conv Conversation, ct Contact, m Message, now time.Time, lim gate) *turn {
	at := m.Time
	if at.IsZero() {
		at = now
	}
	text := clean(m.Text)
	d := &dlg{e: e, conv: conv, ct: ct, now: now, t: &turn{}}
	d.in = &Entry{Kind: KindClient, Author: m.ContactID, Text: text, PlatformID: m.PlatformID, At: at}
	if m.DisplayName != "" {
		d.ct.Name = m.DisplayName
	}
	aud := m.Audience
	if aud == "" {
		aud = ct.Audience
	}
	if aud == "" {
		aud = Client
	}
	d.ct.Audience, d.conv.Audience, d.conv.ContactID = aud, aud, m.ContactID
	d.lang = ct.Lang
	if !d.speaks(d.lang) {
		d.lang = localeLang(m.Locale)
	}
	if !d.speaks(d.lang) {
		d.lang = conv.Lang
	}

	if conv.State.WithHuman() {
		d.relay(m.Payload)
		return d.finish()
	}
	if lim.limited {
		d.throttled(lim.notice)
		return d.finish()
	}
	payload := m.Payload
	if payload == "" {
		payload, _ = chooseOption(e.cfg.Knowledge, conv.Dialog.Options, text)
	}
	switch {
	case payload != "":
		d.onPayload(payload, m)
	case text == "" && m.Media:
		d.say("media_only", nil)
	case text == "":
		d.say("empty_message", nil)
	default:
		if l, ok := langRequest(e.cfg.Knowledge, text); ok {
			d.setLang(l)
			d.conv.Dialog = Dialog{Misses: conv.Dialog.Misses}
			d.say("lang_switched", nil)
			break
		}
		d.onText(text, m)
	}
	return d.finish()
}

func (d *dlg) finish() *turn {
	if d.speaks(d.lang) {
		d.conv.Lang = d.lang
	}
	d.t.change.Conversation = d.conv
	d.t.change.Contact = &d.ct
	d.t.change.Inbound = d.in
	d.t.change.At = d.now
	return d.t
}

// l is the language to speak: the remembered one, else the knowledge
// base's first (the matcher's own fallback).
func (d *dlg) l() Lang { return d.e.speak(d.lang) }

func (d *dlg) speaks(l Lang) bool { return Speaks(d.e.cfg.Knowledge, l) }

func (d *dlg) setLang(l Lang) {
	d.lang, d.ct.Lang = l, l
}

// localeLang maps "fr-CA" or "es_MX" to its language code.
func localeLang(locale string) Lang {
	if len(locale) < 2 {
		return ""
	}
	return Lang(strings.ToLower(locale[:2]))
}

// reply queues text with options for the client and remembers the options
// so a typed number or yes/no maps back to them.
func (d *dlg) reply(kind, text string, opts []Button) {
	if d.prefix != "" {
		text, d.prefix = d.prefix+"\n\n"+text, ""
	}
	d.conv.Dialog.Options = opts
	d.t.change.Out = append(d.t.change.Out, Outbound{
		Channel: d.conv.Channel, ChatID: d.conv.ChatID, Lang: d.l(), Kind: kind,
		Reply: render(d.e.cfg.Knowledge, d.l(), d.conv.Caps, text, opts),
	})
}

func (d *dlg) say(key string, opts []Button) {
	d.reply(KindBot, d.e.text(d.l(), key, nil), opts)
}

func (d *dlg) yesNo(yesKey string) []Button {
	return []Button{
		{Label: d.e.text(d.l(), yesKey, nil), Payload: PayloadYes},
		{Label: d.e.text(d.l(), "no", nil), Payload: PayloadNo},
	}
}

func (d *dlg) topics() []Button {
	var out []Button
	topics := d.e.cfg.Topics
	if len(topics) == 0 {
		topics = d.e.cfg.Knowledge.Topics()
	}
	for _, i := range topics {
		a, ok := d.e.cfg.Knowledge.Answer(i, d.l(), d.conv.Audience)
		if !ok {
			continue
		}
		label := a.Label
		if label == "" {
			label = a.Title
		}
		out = append(out, Button{Label: label, Payload: PayloadIntent + string(i)})
	}
	return out
}

func (d *dlg) onText(text string, m Message) {
	long := utf8.RuneCountInString(text) > d.e.cfg.MaxTextLen
	if long {
		text = cut(text, d.e.cfg.MaxTextLen)
	}
	mt := d.e.cfg.Matcher.Match(text, MatchHints{Lang: d.ct.Lang, Locale: m.Locale, Audience: d.conv.Audience})
	d.t.match = &mt
	d.in.Verdict, d.in.Lang, d.in.Intent = mt.Verdict, mt.Lang, mt.Top()
	if len(mt.Ranked) > 0 {
		d.in.Confidence = mt.Ranked[0].Confidence
	}
	if d.speaks(mt.Lang) && !mt.Empty && (!d.speaks(d.ct.Lang) || (mt.Lang != d.ct.Lang && mt.LangScore >= d.e.cfg.LangSwitch)) {
		d.setLang(mt.Lang)
	}
	if long {
		d.prefix = d.e.text(d.l(), "too_long", nil)
	}
	if mt.Empty {
		d.conv.Dialog = Dialog{Misses: d.conv.Dialog.Misses}
		d.say("empty_message", nil)
		return
	}
	if d.conv.Dialog.Awaiting == AwaitCSAT {
		if _, err := strconv.Atoi(fold(text)); err == nil {
			// A number, but not 1–5: ask again, still waiting for the score.
			d.reply(KindBot, d.e.text(d.l(), "csat_invalid", nil), d.conv.Dialog.Options)
			return
		}
	}
	switch mt.Verdict {
	case VerdictAnswer:
		d.answer(mt.Top(), d.alternatives(mt), "")
	case VerdictClarify:
		d.clarify(mt)
	default:
		d.miss()
	}
}

// alternatives are the plausible runner-up answers for a "no".
func (d *dlg) alternatives(mt Match) []Intent {
	var out []Intent
	for _, s := range mt.Ranked[min(1, len(mt.Ranked)):] {
		if s.Confidence < d.e.cfg.NextBest {
			break
		}
		if d.e.kind(s.Intent) == AnswerIntent {
			out = append(out, s.Intent)
		}
	}
	return out
}

func (d *dlg) onPayload(p string, m Message) {
	dl := d.conv.Dialog
	switch {
	case p == PayloadYes:
		switch dl.Awaiting {
		case AwaitFeedback:
			d.helpful()
		case AwaitHandoff:
			d.handoff(orDefault(dl.HandoffWhy, "requested"))
		default:
			d.conv.Dialog = Dialog{}
			d.say("feedback_thanks", nil)
		}
	case p == PayloadNo:
		switch dl.Awaiting {
		case AwaitFeedback:
			d.unhelpful()
		case AwaitHandoff:
			d.conv.Dialog = Dialog{}
			d.say("topics_intro", d.topics())
		default:
			d.offerHuman("unhelpful")
		}
	case p == PayloadHuman:
		d.handoff("requested")
	case p == PayloadNone:
		d.miss()
	case strings.HasPrefix(p, PayloadIntent):
		i := Intent(strings.TrimPrefix(p, PayloadIntent))
		if k := d.e.kind(i); k == "" || k == OutOfScopeIntent {
			d.miss()
			return
		}
		d.in.Intent, d.in.Verdict, d.in.Lang = i, VerdictAnswer, d.l()
		d.answer(i, nil, "")
	case strings.HasPrefix(p, PayloadCSAT):
		n, err := strconv.Atoi(strings.TrimPrefix(p, PayloadCSAT))
		if dl.Awaiting == AwaitCSAT && err == nil && n >= 1 && n <= 5 {
			d.t.change.CSAT = &CSAT{HandoffID: dl.CSATHandoff, Score: n}
			d.conv.Dialog = Dialog{}
			d.say("csat_thanks", nil)
			return
		}
		d.conv.Dialog = Dialog{}
		d.say("feedback_thanks", nil)
	default:
		// A button of another version of the bot: read the text instead.
		if t := clean(m.Text); t != "" {
			d.onText(t, m)
			return
		}
		d.miss()
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// answer gives the article for i, then asks whether it helped (or, for an
// intent that needs staff, whether to get a person).
func (d *dlg) answer(i Intent, next []Intent, prefix string) {
	switch d.e.kind(i) {
	case GreetingIntent:
		d.conv.Dialog = Dialog{}
		d.reply(KindBot, d.e.text(d.l(), "welcome", nil), d.topics())
		return
	case ThanksIntent:
		if d.conv.Dialog.Awaiting == AwaitFeedback {
			d.helpful()
			return
		}
		d.conv.Dialog = Dialog{}
		if a, ok := d.e.cfg.Knowledge.Answer(i, d.l(), d.conv.Audience); ok {
			d.reply(KindBot, pickForm(a, d.conv.Caps), nil)
		} else {
			d.say("feedback_thanks", nil)
		}
		return
	case HandoffIntent:
		d.handoff("requested")
		return
	case OutOfScopeIntent, "":
		d.miss()
		return
	}
	a, ok := d.e.cfg.Knowledge.Answer(i, d.l(), d.conv.Audience)
	if !ok {
		d.miss()
		return
	}
	body := pickForm(a, d.conv.Caps)
	if prefix != "" {
		body = prefix + "\n\n" + body
	}
	if a.NeedsStaff {
		d.conv.Dialog = Dialog{Awaiting: AwaitHandoff, Intent: i, HandoffWhy: "needs_staff"}
		d.reply(KindBot, body+"\n\n"+d.e.text(d.l(), "handoff_confirm", nil), d.yesNo("yes"))
		return
	}
	d.conv.Dialog = Dialog{Awaiting: AwaitFeedback, Intent: i, Next: next}
	d.reply(KindBot, body+"\n\n"+d.e.text(d.l(), "ask_feedback", nil), d.yesNo("yes"))
}

func (d *dlg) helpful() {
	dl := d.conv.Dialog
	if dl.Intent != "" {
		d.t.change.Feedback = append(d.t.change.Feedback, Feedback{Intent: dl.Intent, Lang: d.l(), Helpful: true})
	}
	d.conv.State = StateResolved
	d.conv.Dialog = Dialog{}
	d.t.resolved = true
	d.say("feedback_thanks", nil)
}

func (d *dlg) unhelpful() {
	dl := d.conv.Dialog
	if dl.Intent != "" {
		d.t.change.Feedback = append(d.t.change.Feedback, Feedback{Intent: dl.Intent, Lang: d.l(), Helpful: false})
	}
	if !dl.NextTried && len(dl.Next) > 0 {
		d.answer(dl.Next[0], nil, d.e.text(d.l(), "feedback_next", nil))
		d.conv.Dialog.NextTried = true
		return
	}
	d.offerHuman("unhelpful")
}

func (d *dlg) offerHuman(why string) {
	d.conv.Dialog = Dialog{Awaiting: AwaitHandoff, HandoffWhy: why}
	d.reply(KindBot, d.e.text(d.l(), "offer_human", nil), d.yesNo("human_button"))
}

func (d *dlg) clarify(mt Match) {
	if len(mt.Ranked) < 2 {
		d.answer(mt.Ranked[0].Intent, nil, "")
		return
	}
	a, okA := d.e.cfg.Knowledge.Answer(mt.Ranked[0].Intent, d.l(), d.conv.Audience)
	b, okB := d.e.cfg.Knowledge.Answer(mt.Ranked[1].Intent, d.l(), d.conv.Audience)
	if !okA || !okB {
		d.miss()
		return
	}
	d.conv.Dialog = Dialog{Awaiting: AwaitClarify, Misses: d.conv.Dialog.Misses}
	d.reply(KindBot, d.e.text(d.l(), "clarify", map[string]string{"a": a.Title, "b": b.Title}), []Button{
		{Label: orDefault(a.Label, a.Title), Payload: PayloadIntent + string(a.Intent)},
		{Label: orDefault(b.Label, b.Title), Payload: PayloadIntent + string(b.Intent)},
		{Label: d.e.text(d.l(), "none_of_these", nil), Payload: PayloadNone},
	})
}

// miss is a misunderstanding; the second in a row offers a person.
func (d *dlg) miss() {
	misses := d.conv.Dialog.Misses + 1
	if misses >= 2 {
		d.conv.Dialog = Dialog{Awaiting: AwaitHandoff, HandoffWhy: "misunderstood", Misses: misses}
		d.reply(KindBot, d.e.text(d.l(), "handoff_confirm", nil), d.yesNo("yes"))
		return
	}
	d.conv.Dialog = Dialog{Misses: misses}
	opts := append(d.topics(), Button{Label: d.e.text(d.l(), "human_button", nil), Payload: PayloadHuman})
	d.reply(KindBot, d.e.text(d.l(), "not_understood", nil), opts)
}

// handoff queues the conversation for a human agent.
func (d *dlg) handoff(why string) {
	d.conv.State, d.conv.Agent, d.conv.Dialog = StateWaiting, "", Dialog{}
	d.t.change.Handoff = &HandoffChange{Create: true, H: Handoff{Reason: why, Lang: d.l(), Status: HandoffWaiting}}
	if d.e.cfg.Hours.Open(d.now) {
		d.say("handoff_started", nil)
	} else if at, ok := d.e.cfg.Hours.NextOpen(d.now); ok {
		d.reply(KindBot, d.e.text(d.l(), "handoff_offhours", map[string]string{"when": formatWhen(d.e.cfg.Knowledge, d.l(), at)}), nil)
	} else {
		d.say("handoff_started", nil)
	}
	conv, e := d.conv, d.e
	conv.Lang = d.l()
	d.t.notify = func(ctx context.Context, res Committed) {
		h := handoffOf(conv, res.ConvID, res.HandoffID, why)
		e.deskErr("handoff created", e.cfg.Desk.HandoffCreated(ctx, h))
	}
}

// throttled stores a message of a contact writing too fast without reading
// it; the first of a flood is told why the bot is quiet. The dialogue is
// kept as it was, so numbered options still mean what they meant.
func (d *dlg) throttled(notice bool) {
	d.in.Lang = d.lang
	d.t.limited = true
	if notice {
		d.t.change.Out = append(d.t.change.Out, Outbound{Channel: d.conv.Channel, ChatID: d.conv.ChatID, Lang: d.l(), Kind: KindNotice,
			Reply: render(d.e.cfg.Knowledge, d.l(), d.conv.Caps, d.e.text(d.l(), "rate_limited", nil), nil)})
	}
}

// relay: a human has the conversation; the bot stays silent and passes
// the message on.
func (d *dlg) relay(payload string) {
	d.in.Lang = d.lang
	if payload == PayloadHuman {
		d.say("still_with_agent", nil)
	}
	conv, e, in := d.conv, d.e, *d.in
	conv.Lang = d.l()
	d.t.notify = func(ctx context.Context, res Committed) {
		h := handoffOf(conv, res.ConvID, conv.HandoffID, "")
		e.deskErr("relay", e.cfg.Desk.ClientMessage(ctx, h, in))
	}
}

func handoffOf(c Conversation, convID, id int64, why string) Handoff {
	st := HandoffWaiting
	if c.State == StateWithAgt {
		st = HandoffTaken
	}
	return Handoff{ID: id, ConvID: convID, Channel: c.Channel, ChatID: c.ChatID, ContactID: c.ContactID,
		Lang: c.Lang, Audience: c.Audience, Reason: why, Status: st, Agent: c.Agent}
}
