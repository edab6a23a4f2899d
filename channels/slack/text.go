package slack

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Slack limits that shape replies.
const (
	maxSectionLen = 3000  // characters in one section block's text
	maxReplyLen   = 12000 // what the engine may ask for in one reply (4 sections)
	maxButtonText = 75
	maxButtonVal  = 2000
	maxButtons    = 25 // elements in one actions block
	maxLineLen    = 280
)

var entities = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes text safe as mrkdwn: Slack only needs &, < and > escaped;
// the content's *bold* and numbered lists are already mrkdwn.
func escape(s string) string { return entities.Replace(s) }

var (
	markupRe  = regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`)
	unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")
	spaceRe   = regexp.MustCompile(`[ \t]{2,}`)
)

// plain turns what an agent typed in Slack into text for a client on
// another platform: <https://x|label> → "label (https://x)", user and
// channel mentions and special mentions dropped, entities unescaped.
func plain(s string) string {
	s = markupRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := markupRe.FindStringSubmatch(m)
		target, label := sub[1], sub[2]
		switch {
		case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"), strings.HasPrefix(target, "!"):
			if label != "" && !strings.HasPrefix(target, "!") {
				return label
			}
			return ""
		case strings.HasPrefix(target, "mailto:"):
			return strings.TrimPrefix(target, "mailto:")
		case strings.HasPrefix(target, "tel:"):
			return strings.TrimPrefix(target, "tel:")
		case label != "" && label != target:
			return label + " (" + target + ")"
		default:
			return target
		}
	})
	s = unescaper.Replace(s)
	s = spaceRe.ReplaceAllString(s, " ")
	return strings.TrimSpace(s)
}

// stripMention removes mentions of the bot (<@U…>) from a staff question.
func stripMention(s, botUser string) string {
	if botUser != "" {
		s = strings.ReplaceAll(s, "<@"+botUser+">", " ")
	} else {
		// Unknown id: drop a leading mention, which is how @bot questions start.
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "<@") {
			if i := strings.Index(t, ">"); i > 0 {
				s = t[i+1:]
			}
		}
	}
	return strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
}

// chunks splits text into pieces of at most max runes, preferring
// paragraph, then line, then word boundaries.
func chunks(text string, max int) []string {
	var out []string
	for utf8.RuneCountInString(text) > max {
		cut := byteIndex(text, max)
		head := text[:cut]
		i := strings.LastIndex(head, "\n\n")
		if i < max/2 {
			i = strings.LastIndex(head, "\n")
		}
		if i < max/2 {
			i = strings.LastIndex(head, " ")
		}
		if i <= 0 {
			i = cut
		}
		out = append(out, strings.TrimRight(text[:i], " \n"))
		text = strings.TrimLeft(text[i:], " \n")
	}
	if text != "" || len(out) == 0 {
		out = append(out, text)
	}
	return out
}

// byteIndex is the byte offset of rune n in s (len(s) when shorter).
func byteIndex(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// clip cuts s to max runes, marking the cut.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return strings.TrimSpace(s[:byteIndex(s, max-1)]) + "…"
}

// oneLine flattens text for a transcript line.
func oneLine(s string) string {
	return clip(strings.Join(strings.Fields(s), " "), maxLineLen)
}
