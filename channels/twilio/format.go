package twilio

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/hexfit/supportbot/bot"
)

// maxBody is the longest Body the Messages API accepts, for SMS and WhatsApp
// alike (Twilio errors 21617 / 21658). Counted in UTF-16 units, which is never
// less than Twilio's character count.
const maxBody = 1600

// maxWhatsApp is WhatsApp's own limit for one text message.
const maxWhatsApp = 4096

// withOptions appends numbered options for buttons the text does not already
// show. The engine renders numbered options itself for channels without
// native buttons; this only guards against a reply whose options would be
// lost.
func withOptions(r bot.Reply) string {
	text := r.Text
	if len(r.Buttons) == 0 {
		return text
	}
	shown := true
	for _, b := range r.Buttons {
		if !strings.Contains(text, b.Label) {
			shown = false
			break
		}
	}
	if shown {
		return text
	}
	var sb strings.Builder
	sb.WriteString(strings.TrimRight(text, "\n "))
	sb.WriteString("\n")
	for i, b := range r.Buttons {
		sb.WriteString("\n")
		sb.WriteString(strconv.Itoa(i + 1))
		sb.WriteString(". ")
		sb.WriteString(b.Label)
	}
	return sb.String()
}

var (
	mdLink    = regexp.MustCompile(`\[([^\]\n]+)\]\((https?://[^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$`)
)

// toWhatsApp converts the engine's light Markdown to WhatsApp formatting:
// **bold** → *bold*, __italic__ → _italic_, ~~strike~~ → ~strike~,
// headings → bold lines, [text](url) → "text: url" (WhatsApp links bare URLs).
func toWhatsApp(s string) string {
	s = mdLink.ReplaceAllString(s, "$1: $2")
	s = mdHeading.ReplaceAllString(s, "*$1*")
	s = strings.ReplaceAll(s, "**", "*")
	s = strings.ReplaceAll(s, "__", "_")
	s = strings.ReplaceAll(s, "~~", "~")
	// A heading that was already bold ("# **Title**") would now read "**Title**".
	s = strings.ReplaceAll(s, "**", "*")
	return s
}

// runeUnits is the length of r in UTF-16 units.
func runeUnits(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return 1
}

// textUnits is the length of s in UTF-16 units.
func textUnits(s string) int {
	n := 0
	for _, r := range s {
		n += runeUnits(r)
	}
	return n
}

// split cuts text into parts of at most max UTF-16 units, preferring
// paragraph boundaries, then line breaks, then spaces; a word longer than max
// is cut at a character boundary.
func split(text string, max int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for textUnits(text) > max {
		limit, used := 0, 0
		for i, r := range text {
			u := runeUnits(r)
			if used+u > max {
				break
			}
			used += u
			limit = i + len(string(r))
		}
		cut := limit
		// Only break early if it keeps the part reasonably full.
		floor := limit / 3
		for _, sep := range []string{"\n\n", "\n", " "} {
			if i := strings.LastIndex(text[:limit], sep); i > floor {
				cut = i
				break
			}
		}
		if p := strings.TrimSpace(text[:cut]); p != "" {
			parts = append(parts, p)
		}
		text = strings.TrimSpace(text[cut:])
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}
