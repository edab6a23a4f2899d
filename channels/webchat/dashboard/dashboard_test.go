package dashboard_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/bot/store/sqlite"
	"github.com/hexfit/supportbot/channels/webchat/dashboard"
	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

const token = "dashboard-token-for-tests"

type env struct {
	store  *sqlite.Store
	engine *bot.Engine
	srv    *httptest.Server
	reload error
	desk   *redactor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	kb, m, err := knowledge()
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/bot.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: kb, Logger: quiet(),
		Channels: map[string]bot.Capabilities{"webchat": {Buttons: true, Relayable: true}}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: st, engine: eng, desk: &redactor{}}
	d, err := dashboard.New(dashboard.Config{Store: st, Token: token, Secret: []byte(strings.Repeat("s", 32)), Logger: quiet(),
		Privacy: st, Desk: e.desk,
		Reload: func(context.Context) error { return e.reload }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(d.Handler(eng))
	t.Cleanup(e.srv.Close)
	return e
}

// knowledge loads the content and trains the matcher once for all tests:
// both are immutable.
func knowledge() (*content.KB, *intents.Matcher, error) {
	k, err := loadKnowledge()
	return k.kb, k.m, err
}

type kbm struct {
	kb *content.KB
	m  *intents.Matcher
}

var loadKnowledge = sync.OnceValues(func() (kbm, error) {
	kb, err := content.Load(content.Embedded(), content.Site{})
	if err != nil {
		return kbm{}, err
	}
	m, err := intents.FromSource(kb)
	return kbm{kb, m}, err
})

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// client is a browser-like HTTP client that does not follow redirects.
func (e *env) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) login(t *testing.T, name string) *http.Client {
	t.Helper()
	c := e.client(t)
	resp, err := c.PostForm(e.srv.URL+"/dashboard/login", url.Values{"name": {name}, "token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	ck := resp.Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", ck)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

func post(t *testing.T, c *http.Client, u string, v url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// handoff walks a client on the webchat channel to a person.
func (e *env) handoff(t *testing.T, chat, name string) bot.Conversation {
	t.Helper()
	ctx := context.Background()
	say := func(i int, text, payload string) {
		if err := e.engine.Handle(ctx, bot.Message{Channel: "webchat", ChatID: chat, ContactID: chat, DisplayName: name,
			Text: text, Payload: payload, PlatformID: chat + strconv.Itoa(i), Locale: "es-ES"}); err != nil {
			t.Fatal(err)
		}
	}
	conv := func() bot.Conversation {
		c, err := e.store.Conversation(ctx, "webchat", chat)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	say(0, "olvidé mi contraseña", "")
	for i := 1; i < 5 && conv().Dialog.Awaiting != bot.AwaitHandoff; i++ {
		say(i, "No", bot.PayloadNo)
	}
	say(9, "Sí", bot.PayloadYes)
	c := conv()
	if c.State != bot.StateWaiting {
		t.Fatalf("state %s, want waiting", c.State)
	}
	return c
}

func TestLoginRequired(t *testing.T) {
	e := newEnv(t)
	c := e.handoff(t, "v1", "Bob")
	anon := e.client(t)
	for _, p := range []string{"/dashboard/queue", "/dashboard/conversations", "/dashboard/conversations/" + strconv.FormatInt(c.ID, 10),
		"/dashboard/report", "/dashboard/content"} {
		code, _ := get(t, anon, e.srv.URL+p)
		resp, _ := anon.Get(e.srv.URL + p)
		resp.Body.Close()
		if code != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/dashboard/login") {
			t.Errorf("GET %s without login: %d → %q", p, code, resp.Header.Get("Location"))
		}
	}
	h := strconv.FormatInt(c.HandoffID, 10)
	if code, _ := post(t, anon, e.srv.URL+"/dashboard/handoffs/"+h+"/take", url.Values{"csrf": {"x"}}); code != http.StatusForbidden {
		t.Errorf("POST take without login: %d", code)
	}
	// Logged in, but without the page's CSRF token (a cross-site form).
	in := e.login(t, "Ana")
	if code, _ := post(t, in, e.srv.URL+"/dashboard/handoffs/"+h+"/take", url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("POST take with a forged CSRF token: %d", code)
	}
	if got, _ := e.store.Handoff(context.Background(), c.HandoffID); got.Status != bot.HandoffWaiting {
		t.Fatalf("refused requests changed the handoff: %s", got.Status)
	}
	// Wrong credentials and forged cookies are refused.
	if code, _ := post(t, e.client(t), e.srv.URL+"/dashboard/login", url.Values{"name": {"Eve"}, "token": {"wrong-token-guess"}}); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", code)
	}
	forged := e.client(t)
	u, _ := url.Parse(e.srv.URL + "/dashboard/")
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: "supportbot_dash", Value: "RXZl.9999999999.forged", Path: "/dashboard"}})
	if code, _ := get(t, forged, e.srv.URL+"/dashboard/queue"); code != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", code)
	}
}

func TestNoDefaultPassword(t *testing.T) {
	st := struct{ dashboard.Store }{}
	for _, tc := range []struct {
		name string
		cfg  dashboard.Config
		want error
	}{
		{"nothing set", dashboard.Config{Store: st, Secret: make([]byte, 32)}, dashboard.ErrDisabled},
		{"user without password", dashboard.Config{Store: st, Secret: make([]byte, 32), User: "admin"}, errors.New("")},
		{"short password", dashboard.Config{Store: st, Secret: make([]byte, 32), User: "admin", Password: "123"}, errors.New("")},
		{"short token", dashboard.Config{Store: st, Secret: make([]byte, 32), Token: "abc"}, errors.New("")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dashboard.New(tc.cfg)
			if err == nil || (errors.Is(tc.want, dashboard.ErrDisabled) && !errors.Is(err, dashboard.ErrDisabled)) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAgentActions(t *testing.T) {
	e := newEnv(t)
	c := e.handoff(t, "v1", `<script>alert(1)</script>Bob`)
	ana, ben := e.login(t, "Ana"), e.login(t, "Ben")
	base := e.srv.URL + "/dashboard"
	h := strconv.FormatInt(c.HandoffID, 10)

	code, page := get(t, ana, base+"/queue")
	if code != http.StatusOK || !strings.Contains(page, `data-handoff="`+h+`"`) {
		t.Fatalf("queue: %d, handoff %s not listed", code, h)
	}
	if strings.Contains(page, "<script>alert(1)") || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;Bob") {
		t.Fatal("the client's name is not escaped on the queue page")
	}
	tok := csrf(t, page)
	steps := []struct {
		who    *http.Client
		action string
		text   string
		want   string // flash code in the redirect
	}{
		{ana, "take", "", "r=take"},
		{ben, "take", "", "r=conflict"},
		{ana, "note", "internal: checked the account", "r=note"},
		{ana, "reply", "Hola, soy Ana", "r=reply"},
		{ana, "reply", "   ", "r=empty"},
		{ana, "resolve", "", "r=resolve"},
		{ana, "resolve", "", "r=conflict"},
	}
	for _, s := range steps {
		form := url.Values{"csrf": {tok}, "text": {s.text}}
		if s.who == ben {
			_, p := get(t, ben, base+"/queue")
			form.Set("csrf", csrf(t, p))
		}
		code, loc := post(t, s.who, base+"/handoffs/"+h+"/"+s.action, form)
		if code != http.StatusSeeOther || !strings.HasSuffix(loc, s.want) {
			t.Fatalf("%s: %d → %q, want …%s", s.action, code, loc, s.want)
		}
	}
	got, err := e.store.Handoff(context.Background(), c.HandoffID)
	if err != nil || got.Status != bot.HandoffResolved || got.Agent != "Ana" {
		t.Fatalf("handoff %+v, %v", got, err)
	}
	code, page = get(t, ana, base+"/conversations/"+strconv.FormatInt(c.ID, 10))
	for _, want := range []string{"Hola, soy Ana", "internal: checked the account", `data-kind="note"`, "resolved"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("transcript page lacks %q", want)
		}
	}
	// Filters.
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"", true}, {"?state=resolved", true}, {"?state=bot", false}, {"?channel=webchat&lang=es", true}, {"?channel=sms", false}, {"?lang=fr", false},
	} {
		_, page := get(t, ana, base+"/conversations"+tc.query)
		if got := strings.Contains(page, `/dashboard/conversations/`+strconv.FormatInt(c.ID, 10)+`"`); got != tc.want {
			t.Errorf("conversations%s lists it: %v, want %v", tc.query, got, tc.want)
		}
	}
}

func TestReportAndReload(t *testing.T) {
	e := newEnv(t)
	e.handoff(t, "v1", "Bob")
	if err := e.engine.Handle(context.Background(), bot.Message{Channel: "webchat", ChatID: "v2", ContactID: "v2",
		Text: "<b>qwerty zxcv</b>", PlatformID: "g1", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ana := e.login(t, "Ana")
	code, page := get(t, ana, e.srv.URL+"/dashboard/report?days=7")
	for _, want := range []string{`id="fig-conversations">2<`, `id="fig-handoffs">1<`, "<svg", `class="hand"`, "&lt;b&gt;qwerty zxcv&lt;/b&gt;"} {
		if code != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	_, page = get(t, ana, e.srv.URL+"/dashboard/content")
	tok := csrf(t, page)
	e.reload = errors.New("invalid content: articles/forgot_password.es.md:3: missing section \"short\"")
	resp, err := ana.PostForm(e.srv.URL+"/dashboard/content/reload", url.Values{"csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "forgot_password.es.md:3: missing section &#34;short&#34;") {
		t.Fatalf("refused reload: %d", resp.StatusCode)
	}
	e.reload = nil
	resp, err = ana.PostForm(e.srv.URL+"/dashboard/content/reload", url.Values{"csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `id="reload-ok"`) {
		t.Fatalf("reload: %d", resp.StatusCode)
	}
}
