package bot

// MatchHints carries what the caller already knows about the writer.
type MatchHints struct {
	Lang     Lang     // the contact's remembered language ("" if unknown)
	Locale   string   // the channel's locale hint, e.g. "fr-CA" ("" if none)
	Audience Audience // client or staff ("" means client)
}

// Verdict is what the matcher advises the engine to do.
type Verdict string

// Verdicts.
const (
	VerdictAnswer  Verdict = "answer"  // the top intent is clear: answer it
	VerdictClarify Verdict = "clarify" // the top two are too close: ask which one
	VerdictNone    Verdict = "none"    // out of scope or not understood
)

// Scored is one intent with its calibrated confidence in [0,1].
type Scored struct {
	Intent     Intent
	Confidence float64
}

// Match is the matcher's result for one message.
type Match struct {
	Ranked    []Scored // best first; never an out-of-scope intent (Verdict says that)
	Lang      Lang     // detected language (falls back to the hints, then the knowledge base's first)
	LangScore float64  // confidence of the language decision in [0,1]
	Verdict   Verdict
	Empty     bool // the text had nothing to match (empty, emoji, punctuation)
	// None is the knowledge base's out-of-scope intent, set with the verdict
	// none; OutOfScope says the message is like those examples rather than
	// merely far from everything (not understood).
	None       Intent
	OutOfScope bool
}

// Top returns the best intent, or NoIntent when the verdict is none.
func (m Match) Top() Intent {
	if m.Verdict == VerdictNone || len(m.Ranked) == 0 {
		return NoIntent
	}
	return m.Ranked[0].Intent
}

// Matcher turns message text into ranked intents.
//
// Match is called by the engine once per inbound text message, on the
// request's goroutine. It is pure CPU work: it never blocks, never fails and
// must be safe for concurrent use. Any input, including invalid UTF-8 and
// very long text, yields a valid Match.
type Matcher interface {
	Match(text string, h MatchHints) Match
}

// Answer is one help-center answer in one language for one audience.
type Answer struct {
	Intent     Intent
	Lang       Lang
	Audience   Audience
	Title      string // article title, e.g. for "did you mean" buttons
	Label      string // short topic label for buttons (≤ 20 characters)
	Short      string // ≤ 300 characters, for SMS
	Full       string // the full form with steps, for chat apps
	NeedsStaff bool   // after answering, offer a human (e.g. account_disabled)
}

// Knowledge is the help-center content the engine answers from: its
// languages, intents and texts are data, loaded from a content folder.
//
// Its methods are called by the engine, the channels and the desks while
// building replies. They read an immutable in-memory set and never block
// or fail; a missing entry reports ok=false (Text falls back to the first
// language, then to the key itself).
type Knowledge interface {
	// Answer returns the answer for an intent in a language for an audience.
	// When no staff version exists, the client version is returned; when
	// the language has none, the first language's.
	Answer(i Intent, l Lang, a Audience) (Answer, bool)
	// Text returns the interface string named key in language l (such as
	// "ask_feedback" or "welcome"), with {placeholders} filled from vars.
	Text(l Lang, key string, vars map[string]string) string
	// List returns a comma-separated interface string as its items (such
	// as "yes_words"), trimmed; nil when the key is missing.
	List(l Lang, key string) []string
	// Langs lists the languages spoken, the fallback first; never empty.
	Langs() []Lang
	// Kind returns an intent's kind; ok=false for an unknown intent.
	Kind(i Intent) (IntentKind, bool)
	// Intents lists every intent id in a stable order.
	Intents() []Intent
	// Topics are the intents offered as buttons with the welcome.
	Topics() []Intent
}

// Speaks reports whether k lists the language l.
func Speaks(k Knowledge, l Lang) bool {
	for _, x := range k.Langs() {
		if x == l {
			return true
		}
	}
	return false
}

// Example is one labelled training phrase from the knowledge base.
type Example struct {
	Text   string
	Intent Intent
	Kind   IntentKind
	Lang   Lang
}

// Doc is the text of one article in one language, which the matcher reads
// as weaker evidence than the phrases, so that an article with few phrases
// still gets the questions its text answers.
type Doc struct {
	Intent Intent
	Kind   IntentKind
	Lang   Lang
	Title  string
	Text   string // headings, short and full forms
}
