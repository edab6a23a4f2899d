package bot

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// render shapes a reply for a channel: native buttons, or the options as a
// numbered list with a hint when the channel has none; text cut to MaxLen.
func render(k Knowledge, l Lang, caps Capabilities, text string, opts []Button) Reply {
	if len(opts) == 0 {
		return Reply{Text: fit(text, caps.MaxLen)}
	}
	if caps.Buttons {
		return Reply{Text: fit(text, caps.MaxLen), Buttons: append([]Button(nil), opts...)}
	}
	var b strings.Builder
	for i, o := range opts {
		b.WriteString("\n")
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(o.Label)
	}
	if hint := k.Text(l, "numbered_hint", nil); hint != "" {
		b.WriteString("\n")
		b.WriteString(hint)
	}
	tail := b.String()
	room := 0
	if caps.MaxLen > 0 {
		// Keep the options whole: they are what the client answers with.
		room = caps.MaxLen - utf8.RuneCountInString(tail) - 1
		if room < 1 {
			room = 1
		}
	}
	return Reply{Text: fit(text, room) + "\n" + tail}
}

// fit cuts text to max runes (0: no limit), marking the cut.
func fit(text string, max int) string {
	if max <= 0 || utf8.RuneCountInString(text) <= max {
		return text
	}
	return strings.TrimSpace(cut(text, max-1)) + "…"
}

// pickForm chooses the short or the full answer for a channel.
func pickForm(a Answer, caps Capabilities) string {
	if caps.ShortForm || a.Full == "" {
		return a.Short
	}
	if caps.MaxLen > 0 && utf8.RuneCountInString(a.Full) > caps.MaxLen-100 && a.Short != "" {
		return a.Short
	}
	return a.Full
}
