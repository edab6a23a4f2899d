package webchat_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/channels/webchat"
)

func TestJourneyOverSSE(t *testing.T) {
	e := newEnv(t)
	c := e.session(t)
	s, code := e.open(t, c, "")
	if code != http.StatusOK {
		t.Fatalf("events: status %d", code)
	}
	if got := e.say(t, c, "m1", "olvidé mi contraseña", ""); got != http.StatusAccepted {
		t.Fatalf("message: status %d", got)
	}
	answer, _ := e.kb.Answer(bot.Intent("forgot_password"), bot.Lang("es"), bot.Client)
	s.wait(t, "the client's own line", func(ev event) bool { return ev.Kind == bot.KindClient && ev.Text == "olvidé mi contraseña" })
	s.wait(t, "the Spanish answer", func(ev event) bool {
		return ev.Kind == bot.KindBot && strings.Contains(ev.Text, firstLine(answer.Full))
	})
	s.wait(t, "the feedback buttons", func(ev event) bool { return hasPayload(ev, bot.PayloadNo) })

	// A retried POST with the same id is accepted once.
	n := len(e.transcript(t, c.Visitor))
	if got := e.say(t, c, "m1", "olvidé mi contraseña", ""); got != http.StatusAccepted {
		t.Fatalf("retried message: status %d", got)
	}
	if got := len(e.transcript(t, c.Visitor)); got != n {
		t.Fatalf("retry added %d lines", got-n)
	}

	// Agent side: a note stays internal, a reply is pushed live.
	h := e.handOff(t, c)
	ctx := context.Background()
	if err := e.engine.Note(ctx, h, "Ana", "secret internal note"); err != nil {
		t.Fatal(err)
	}
	if err := e.engine.Reply(ctx, h, "Ana", "Hola, soy Ana"); err != nil {
		t.Fatal(err)
	}
	ev := s.wait(t, "the agent reply", func(ev event) bool { return ev.Kind == bot.KindAgent })
	if ev.Text != "Hola, soy Ana" || ev.Author != "Ana" {
		t.Fatalf("agent reply %+v", ev)
	}
	for _, ev := range s.all() {
		if strings.Contains(ev.Text, "secret internal note") {
			t.Fatal("an internal note reached the client")
		}
	}
	if err := e.engine.Resolve(ctx, h, "Ana"); err != nil {
		t.Fatal(err)
	}
	s.wait(t, "the CSAT buttons", func(ev event) bool { return hasPayload(ev, bot.PayloadCSAT+"5") })
	e.say(t, c, "m-csat", "5", bot.PayloadCSAT+"5")
	waitFor(t, "the score", func() bool {
		got, err := e.store.Handoff(ctx, h)
		return err == nil && got.CSAT == 5
	})

	// Reconnects replay only what is missing; a reload replays everything.
	all := s.all()
	last := all[len(all)-1].ID
	s2, _ := e.open(t, c, "", "Last-Event-ID", strconv.FormatInt(all[1].ID, 10))
	s2.wait(t, "the replay", func(ev event) bool { return ev.ID == last })
	if got := s2.all(); got[0].ID <= all[1].ID {
		t.Fatalf("replay after id %d started at %d", all[1].ID, got[0].ID)
	}
	s3, _ := e.open(t, c, "&after=0")
	s3.wait(t, "the full history", func(ev event) bool { return ev.ID == last })
	if got := s3.all(); got[0].ID != all[0].ID {
		t.Fatalf("reload replay starts at %d, want %d", got[0].ID, all[0].ID)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

func hasPayload(ev event, p string) bool {
	for _, b := range ev.Buttons {
		if b.Payload == p {
			return true
		}
	}
	return false
}

func (e *env) transcript(t *testing.T, visitor string) []bot.Entry {
	t.Helper()
	es, err := e.store.Transcript(context.Background(), e.conv(t, visitor).ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// handOff walks the visitor to a person: "No" as long as the bot offers
// something else, then yes. It returns the handoff id.
func (e *env) handOff(t *testing.T, c creds) int64 {
	t.Helper()
	for i := range 4 {
		if e.conv(t, c.Visitor).Dialog.Awaiting == bot.AwaitHandoff {
			break
		}
		e.say(t, c, "no"+strconv.Itoa(i), "No", bot.PayloadNo)
	}
	e.say(t, c, "yes", "Sí", bot.PayloadYes)
	cv := e.conv(t, c.Visitor)
	if cv.State != bot.StateWaiting || cv.HandoffID == 0 {
		t.Fatalf("conversation %s, handoff %d: want waiting", cv.State, cv.HandoffID)
	}
	return cv.HandoffID
}

func TestVisitorTokens(t *testing.T) {
	e := newEnv(t)
	a, b := e.session(t), e.session(t)
	if a.Visitor == b.Visitor || len(a.Visitor) != 32 {
		t.Fatalf("visitor ids %q %q", a.Visitor, b.Visitor)
	}
	e.say(t, a, "1", "olvidé mi contraseña", "")
	// Valid credentials are kept by the session endpoint.
	var again creds
	e.postJSON(t, "/webchat/session", a, &again)
	if again != a {
		t.Fatalf("session renewed valid credentials: %+v", again)
	}
	forged := []struct {
		name string
		c    creds
	}{
		{"another visitor's id with my token", creds{a.Visitor, b.Token}},
		{"no token", creds{a.Visitor, ""}},
		{"flipped token", creds{a.Visitor, flip(a.Token)}},
		{"id not hex", creds{strings.Repeat("z", 32), a.Token}},
	}
	for _, tc := range forged {
		t.Run(tc.name, func(t *testing.T) {
			if _, code := e.open(t, tc.c, ""); code != http.StatusForbidden {
				t.Errorf("events: status %d, want 403", code)
			}
			if code := e.say(t, tc.c, "x", "hola", ""); code != http.StatusForbidden {
				t.Errorf("message: status %d, want 403", code)
			}
			var got creds
			e.postJSON(t, "/webchat/session", tc.c, &got)
			if got.Visitor == a.Visitor {
				t.Error("session endpoint handed out another visitor's id")
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func TestOrigins(t *testing.T) {
	e := newEnv(t, func(c *webchat.Config) { c.Origins = []string{"https://help.example.com"} })
	c := e.session(t)
	tests := []struct {
		origin string
		want   int
	}{
		{"", http.StatusAccepted},
		{e.srv.URL, http.StatusAccepted}, // same origin
		{"https://help.example.com", http.StatusAccepted},
		{"https://evil.example.com", http.StatusForbidden},
		{"null", http.StatusForbidden},
	}
	for i, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			body := map[string]string{"visitor": c.Visitor, "token": c.Token, "id": strconv.Itoa(i), "text": "hola"}
			var hdr []string
			if tc.origin != "" {
				hdr = []string{"Origin", tc.origin}
			}
			if got := e.postJSON(t, "/webchat/messages", body, nil, hdr...); got != tc.want {
				t.Errorf("status %d, want %d", got, tc.want)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/webchat/messages", nil)
	req.Header.Set("Origin", "https://help.example.com")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://help.example.com" {
		t.Fatalf("preflight: %d %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestLimits(t *testing.T) {
	e := newEnv(t, func(c *webchat.Config) { c.Rate, c.Burst, c.MaxText = rate.Every(time.Hour), 2, 50 })
	c := e.session(t)
	if got := e.say(t, c, "long", strings.Repeat("é", 51), ""); got != http.StatusRequestEntityTooLarge {
		t.Fatalf("long message: status %d", got)
	}
	if got := e.postJSON(t, "/webchat/messages", map[string]string{"visitor": c.Visitor, "token": c.Token,
		"text": strings.Repeat("a", 20<<10)}, nil); got != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge body: status %d", got)
	}
	for i, want := range []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests} {
		if got := e.say(t, c, strconv.Itoa(i), "hola", ""); got != want {
			t.Fatalf("message %d: status %d, want %d", i, got, want)
		}
	}
	// The limit is per visitor.
	if got := e.say(t, e.session(t), "a", "hola", ""); got != http.StatusAccepted {
		t.Fatalf("another visitor: status %d", got)
	}
}

func TestStaticPages(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ path, ctype, want string }{
		{"/", "text/html", `src="/webchat/widget.js"`},
		{"/webchat/demo", "text/html", "widget"},
		{"/webchat/widget.js", "text/javascript", "textContent"},
	} {
		resp, err := e.srv.Client().Get(e.srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: %d %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// The widget never parses message text as HTML.
	js, _ := e.srv.Client().Get(e.srv.URL + "/webchat/widget.js")
	b, _ := io.ReadAll(js.Body)
	js.Body.Close()
	if strings.Contains(string(b), "innerHTML") {
		t.Error("widget.js uses innerHTML")
	}
}

func TestSecretPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := webchat.LoadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := webchat.LoadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || string(a) != string(b) {
		t.Fatalf("secret not stable: %x %x", a, b)
	}
}

func TestCloseEndsStreams(t *testing.T) {
	e := newEnv(t)
	s, _ := e.open(t, e.session(t), "")
	e.ch.Close()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("stream still open after Close")
	}
}
