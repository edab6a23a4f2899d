package slack

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/hexfit/supportbot/bot"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hola &lt;Ana&gt; &amp; co", "Hola <Ana> & co"},
		{"mira <https://x.example/a|aquí>", "mira aquí (https://x.example/a)"},
		{"mira <https://x.example/a>", "mira https://x.example/a"},
		{"<@U123> te escribe", "te escribe"},
		{"escribe a <mailto:a@b.example|a@b.example>", "escribe a a@b.example"},
		{"<!here> hola", "hola"},
		{"canal <#C1|soporte>", "canal soporte"},
	}
	for _, tt := range tests {
		if got := plain(tt.in); got != tt.want {
			t.Errorf("plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripMention(t *testing.T) {
	tests := []struct{ in, self, want string }{
		{"<@UBOT> I forgot my password", "UBOT", "I forgot my password"},
		{"hey <@UBOT>   help", "UBOT", "hey help"},
		{"<@UBOT> hola", "", "hola"},
		{"<@UOTHER> hola", "UBOT", "<@UOTHER> hola"},
	}
	for _, tt := range tests {
		if got := stripMention(tt.in, tt.self); got != tt.want {
			t.Errorf("stripMention(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestChunks(t *testing.T) {
	long := strings.Repeat("palabra ", 1000) + "\n\n" + strings.Repeat("é", 5000)
	tests := []struct {
		name string
		in   string
		max  int
		n    int
	}{
		{"short", "hola", 3000, 1},
		{"empty", "", 3000, 1},
		{"long", long, 3000, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chunks(tt.in, tt.max)
			if len(got) != tt.n {
				t.Fatalf("%d chunks, want %d", len(got), tt.n)
			}
			var all strings.Builder
			for _, c := range got {
				if n := utf8.RuneCountInString(c); n > tt.max {
					t.Errorf("chunk of %d runes > %d", n, tt.max)
				}
				all.WriteString(strings.Join(strings.Fields(c), ""))
			}
			if all.String() != strings.Join(strings.Fields(tt.in), "") {
				t.Error("text lost or changed between chunks")
			}
		})
	}
}

func TestTSTime(t *testing.T) {
	if got := tsTime("1710000000.000100"); !got.Equal(time.Unix(1710000000, 100_000)) {
		t.Errorf("tsTime = %v", got)
	}
	if got := tsTime("bad"); !got.IsZero() {
		t.Errorf("tsTime(bad) = %v", got)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
		retryIn   time.Duration
	}{
		{"rate limited", &slack.RateLimitedError{RetryAfter: 3 * time.Second}, false, 3 * time.Second},
		{"channel gone", slack.SlackErrorResponse{Err: "channel_not_found"}, true, 0},
		{"server error", slack.StatusCodeError{Code: 503, Status: "503"}, false, 0},
		{"unknown api error", slack.SlackErrorResponse{Err: "fatal_error"}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if errors.Is(got, bot.ErrPermanent) != tt.permanent {
				t.Errorf("permanent = %v, want %v", !tt.permanent, tt.permanent)
			}
			var ra *bot.RetryAfterError
			if tt.retryIn > 0 && (!errors.As(got, &ra) || ra.After != tt.retryIn) {
				t.Errorf("want retry after %s, got %v", tt.retryIn, got)
			}
		})
	}
}

func TestReplyBlocks(t *testing.T) {
	tests := []struct {
		name    string
		r       bot.Reply
		wantErr bool
		blocks  int
	}{
		{"text and buttons", bot.Reply{Text: "a < b", Buttons: []bot.Button{{Label: "Sí", Payload: "yes"}}}, false, 2},
		{"long text", bot.Reply{Text: strings.Repeat("x ", 4000)}, false, 3},
		{"empty", bot.Reply{}, true, 0},
		{"too many buttons", bot.Reply{Text: "x", Buttons: make([]bot.Button, 26)}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := replyBlocks(tt.r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if len(bs) != tt.blocks {
				t.Errorf("%d blocks, want %d", len(bs), tt.blocks)
			}
		})
	}
}
