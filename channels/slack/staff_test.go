package slack

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hexfit/supportbot/bot"
)

// staffOpening is the start of the staff answer as it appears in blocks.
func staffOpening(t *testing.T, e *env, i bot.Intent, l bot.Lang) string {
	t.Helper()
	a, ok := e.kb.Answer(i, l, bot.Staff)
	if !ok || a.Audience != bot.Staff {
		t.Fatalf("no staff answer for %s/%s", i, l)
	}
	first := strings.SplitN(a.Full, "\n", 2)[0]
	return first[:byteIndex(first, min(30, utf8.RuneCountInString(first)))]
}

func TestStaffQuestionsAnsweredInThread(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		events  [][]byte // deliveries of one staff question (retries, mention + message)
		hdr     []string
		channel string
		thread  string
		lang    bot.Lang
	}{
		{
			name:    "direct message in French",
			events:  [][]byte{eventBody("Ev1", dmEvent("USTAFF", "D1", "j'ai oublié mon mot de passe", "1710000000.000100", ""))},
			channel: "D1", thread: "1710000000.000100", lang: bot.Lang("fr"),
		},
		{
			name: "mention in a channel, delivered as app_mention and message",
			events: [][]byte{
				eventBody("Ev2", mentionEvent("USTAFF", "CTEAM", "<@UBOT> I forgot my password", "1710000001.000100", "")),
				eventBody("Ev3", channelMessage("USTAFF", "CTEAM", "<@UBOT> I forgot my password", "1710000001.000100", "")),
			},
			channel: "CTEAM", thread: "1710000001.000100", lang: bot.Lang("en"),
		},
		{
			name: "mention in a thread, retried by Slack",
			events: [][]byte{
				eventBody("Ev4", mentionEvent("USTAFF", "CTEAM", "<@UBOT> olvidé mi contraseña", "1710000003.000100", "1710000002.000100")),
				eventBody("Ev4", mentionEvent("USTAFF", "CTEAM", "<@UBOT> olvidé mi contraseña", "1710000003.000100", "1710000002.000100")),
			},
			hdr:     []string{"X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"},
			channel: "CTEAM", thread: "1710000002.000100", lang: bot.Lang("es"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for i, body := range tt.events {
				var hdr []string
				if i > 0 {
					hdr = tt.hdr
				}
				if code := e.postEvent(body, hdr...); code != http.StatusOK {
					t.Fatalf("delivery %d: status %d", i, code)
				}
			}
			posts := e.fake.waitCalls(t, "chat.postMessage", "the answer", func(cs []call) bool { return len(cs) >= 1 })
			time.Sleep(150 * time.Millisecond) // a second post would show up by now
			posts = e.fake.Calls("chat.postMessage")
			if len(posts) != 1 {
				t.Fatalf("%d posts, want exactly 1: %+v", len(posts), posts)
			}
			p := posts[0]
			if p.Channel != tt.channel || p.ThreadTS != tt.thread {
				t.Errorf("posted to %s thread %q, want %s thread %q", p.Channel, p.ThreadTS, tt.channel, tt.thread)
			}
			if want := staffOpening(t, e, bot.Intent("forgot_password"), tt.lang); !strings.Contains(p.Blocks, want) {
				t.Errorf("blocks lack the %s staff answer %q:\n%s", tt.lang, want, p.Blocks)
			}
			_, values := blockButtons(t, p.Blocks)
			if !slices.Equal(values, []string{bot.PayloadYes, bot.PayloadNo}) {
				t.Errorf("feedback buttons %v, want yes/no", values)
			}
			c := e.conv(Name, chatID(tt.channel, tt.thread))
			if c.Audience != bot.Staff || c.Lang != tt.lang {
				t.Errorf("conversation audience %s lang %s, want staff %s", c.Audience, c.Lang, tt.lang)
			}
		})
	}
}

func TestStaffFeedbackButtonAndThreadReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const ts = "1710000010.000100"
	if code := e.postEvent(eventBody("Ev10", dmEvent("USTAFF", "D9", "I forgot my password", ts, ""))); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	first := e.fake.waitCalls(t, "chat.postMessage", "answer", func(cs []call) bool { return len(cs) == 1 })[0]
	// The staff member presses "Yes" under the answer.
	press := blockAction("USTAFF", "D9", first.PostedTS, ts, optionsBlock, optionActionID+"0", bot.PayloadYes, "Yes")
	if code := e.postAction(press); code != http.StatusOK {
		t.Fatalf("action status %d", code)
	}
	// Pressing twice (a double click or a redelivery) is one message.
	if code := e.postAction(press); code != http.StatusOK {
		t.Fatalf("action status %d", code)
	}
	posts := e.fake.waitCalls(t, "chat.postMessage", "thanks", func(cs []call) bool { return len(cs) >= 2 })
	if p := posts[1]; p.ThreadTS != ts || !strings.Contains(p.Blocks, escape(e.kb.Text(bot.Lang("en"), "feedback_thanks", nil))[:10]) {
		t.Errorf("reply to the button: thread %q blocks %s", p.ThreadTS, p.Blocks)
	}
	// A plain reply in the thread, without a mention, continues the conversation.
	if code := e.postEvent(eventBody("Ev11", dmEvent("USTAFF", "D9", "how do I change my password?", "1710000011.000100", ts))); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	posts = e.fake.waitCalls(t, "chat.postMessage", "second answer", func(cs []call) bool { return len(cs) >= 3 })
	if posts[2].ThreadTS != ts {
		t.Errorf("second answer in thread %q, want %q", posts[2].ThreadTS, ts)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(e.fake.Calls("chat.postMessage")); n != 3 {
		t.Errorf("%d posts, want 3 (the doubled button press must not answer twice)", n)
	}
}

func TestIgnoredMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	bodies := [][]byte{
		eventBody("Ev20", map[string]any{"type": "message", "channel": "D1", "channel_type": "im", "bot_id": "BBOT",
			"text": "my own answer", "ts": "1710000020.000100"}),
		eventBody("Ev21", dmEvent(botUser, "D1", "from myself", "1710000021.000100", "")),
		eventBody("Ev22", map[string]any{"type": "message", "subtype": "message_changed", "channel": "D1", "channel_type": "im",
			"ts": "1710000022.000100", "message": map[string]any{"type": "message", "user": "USTAFF", "text": "edited", "ts": "1710000019.000100"}}),
		eventBody("Ev23", channelMessage("USTAFF", "CTEAM", "chatter without a mention", "1710000023.000100", "")),
		eventBody("Ev24", channelMessage("USTAFF", agentsChan, "top-level chatter in the agents channel", "1710000024.000100", "")),
		eventBody("Ev25", map[string]any{"type": "reaction_added", "user": "USTAFF", "reaction": "tada", "event_ts": "1710000025.000100"}),
	}
	for i, b := range bodies {
		if code := e.postEvent(b); code != http.StatusOK {
			t.Fatalf("event %d: status %d", i, code)
		}
	}
	time.Sleep(200 * time.Millisecond)
	e.idle()
	if cs := e.fake.Calls("chat.postMessage"); len(cs) != 0 {
		t.Fatalf("bot answered %d ignored messages: %+v", len(cs), cs)
	}
}
