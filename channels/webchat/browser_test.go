package webchat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hexfit/supportbot/bot"
)

// These tests drive Debian's Chromium headless through the demo page and
// the dashboard. Without Chromium they fail: the browser is part of CI.

// chromiumPath finds the browser (SUPPORTBOT_CHROMIUM overrides).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SUPPORTBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed: the browser tests need it. Install it with `apt-get update && apt-get install -y chromium` (or set SUPPORTBOT_CHROMIUM to its path)")
	return ""
}

// browser starts one headless Chromium for the test, 360 px wide, with
// Spanish as its language.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "es-ES"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(360, 740),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	return ctx
}

// tab opens a new tab; isolated tabs get their own cookies and storage.
func tab(t *testing.T, browser context.Context, isolated bool, width int64) context.Context {
	t.Helper()
	var opts []chromedp.ContextOption
	if isolated {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(browser, opts...)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 740)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("%s: %v\npage: %s", what, err, body)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// until waits for a JavaScript predicate to hold.
func until(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		msgs, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.hxc-msg')].map(m => m.dataset.kind + ': ' + m.textContent)`))
		t.Fatalf("waiting for %s: %v (widget shows %q)", what, err, msgs)
	}
}

// artifacts is where screenshots go: $SUPPORTBOT_ARTIFACTS or a temp dir.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SUPPORTBOT_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100)) // 100: PNG; lower qualities give JPEG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// clickOption presses the newest enabled widget button with a payload;
// it reports false when there is none.
func clickOption(t *testing.T, ctx context.Context, payload string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const bs = [...document.querySelectorAll('.hxc-opts button:not([disabled])')].filter(b => b.dataset.payload === %q);
		if (!bs.length) return false;
		bs[bs.length - 1].click();
		return true;
	})()`, payload))
}

func countKind(t *testing.T, ctx context.Context, kind string) int {
	t.Helper()
	return eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('.hxc-msg[data-kind=%q]').length`, kind))
}

// typeMessage types into the widget with real key events and presses Enter.
func typeMessage(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	do(t, ctx, "type "+text, chromedp.SendKeys(chromedp.ID("hxc-input"), text), chromedp.SendKeys(chromedp.ID("hxc-input"), "\r"))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserJourney: the scenario in a real browser. A client asks
// in Spanish on the demo page, says "No", asks for a person; an agent takes
// it in the dashboard and replies; the reply appears in the widget; the
// agent resolves and the client scores 5. Markup in messages and names is
// shown as text all along.
func TestBrowserJourney(t *testing.T) {
	e := newEnv(t)
	dir := artifacts(t)
	b := browser(t)
	w := tab(t, b, false, 360)
	ctx := context.Background()

	do(t, w, "open the demo page", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("hxc-bubble")))
	if got := eval[bool](t, w, `document.documentElement.scrollWidth <= 360`); !got {
		t.Error("the demo page scrolls sideways at 360 px")
	}
	do(t, w, "open the widget", chromedp.Click(chromedp.ID("hxc-bubble")), chromedp.WaitVisible(chromedp.ID("hxc-input")))
	typeMessage(t, w, "olvidé mi contraseña")
	answer, _ := e.kb.Answer(bot.Intent("forgot_password"), bot.Lang("es"), bot.Client)
	until(t, w, "the Spanish answer", fmt.Sprintf(`[...document.querySelectorAll('.hxc-msg[data-kind=bot]')].some(m => m.textContent.includes(%s))`,
		jsString(strings.ReplaceAll(firstLine(answer.Full), "*", ""))))
	until(t, w, "the feedback buttons", `document.querySelector('.hxc-opts button[data-payload="no"]:not([disabled])')`)
	if got := eval[bool](t, w, `document.querySelector('#hxc-panel').getBoundingClientRect().right <= 360`); !got {
		t.Error("the chat panel overflows a 360 px screen")
	}
	screenshot(t, w, dir, "widget-answer.png")

	bots := countKind(t, w, "bot")
	if !clickOption(t, w, bot.PayloadNo) {
		t.Fatal("no \"No\" button")
	}
	until(t, w, "the bot's next message", fmt.Sprintf(`document.querySelectorAll('.hxc-msg[data-kind=bot]').length > %d`, bots))
	typeMessage(t, w, "quiero hablar con una persona")
	until(t, w, "the typed line", `[...document.querySelectorAll('.hxc-client')].some(m => m.textContent === 'quiero hablar con una persona')`)
	visitor := eval[string](t, w, `JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('hexfit-chat:'))[1]).visitor`)
	waitFor(t, "a person offered or the handoff", func() bool {
		c := e.conv(t, visitor)
		if c.State == bot.StateBot && c.Dialog.Awaiting == bot.AwaitHandoff {
			clickOption(t, w, bot.PayloadYes)
		}
		return c.State == bot.StateWaiting
	})
	conv := e.conv(t, visitor)

	// The agent signs in with markup in their name and takes the handoff.
	d := tab(t, b, false, 1100)
	agentName := `Ana <img src=x onerror="window.__xss=1">`
	do(t, d, "the login page", chromedp.Navigate(e.srv.URL+"/dashboard/queue"), chromedp.WaitVisible(chromedp.ID("token")))
	do(t, d, "sign in", chromedp.SendKeys(chromedp.ID("name"), agentName), chromedp.SendKeys(chromedp.ID("token"), dashToken),
		chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`tr[data-handoff="%d"] button.take`, conv.HandoffID))))
	screenshot(t, d, dir, "dashboard-queue.png")
	do(t, d, "take", chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-handoff="%d"] button.take`, conv.HandoffID))),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	do(t, d, "open the conversation", chromedp.Navigate(fmt.Sprintf("%s/dashboard/conversations/%d", e.srv.URL, conv.ID)),
		chromedp.WaitVisible(chromedp.ID("reply-text")))
	reply := "Hola, te ayudo. <b>negrita</b> <script>window.__xss=1</script>"
	do(t, d, "reply", chromedp.SendKeys(chromedp.ID("reply-text"), reply), chromedp.Click(chromedp.ID("send-reply")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))

	until(t, w, "the agent's reply in the widget", fmt.Sprintf(`[...document.querySelectorAll('.hxc-agent .hxc-text')].some(m => m.textContent === %s)`, jsString(reply)))
	if got := eval[string](t, w, `document.querySelector(".hxc-agent .hxc-who").textContent`); !strings.HasPrefix(got, agentName+" (") {
		t.Errorf("agent name shown as %q", got)
	}
	screenshot(t, w, dir, "widget-agent-reply.png")

	// The client writes markup too; the agent sees it as text.
	xss := `<img src=x onerror="window.__xss=1"> ¿sigues ahí?`
	typeMessage(t, w, xss)
	until(t, w, "the client's line", fmt.Sprintf(`[...document.querySelectorAll('.hxc-client .hxc-text')].some(m => m.textContent === %s)`, jsString(xss)))
	do(t, d, "reload the conversation", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("transcript")))
	until(t, d, "the client's markup as text", fmt.Sprintf(`document.getElementById('transcript').textContent.includes(%s)`, jsString(xss)))
	for name, c := range map[string]context.Context{"widget": w, "dashboard": d} {
		if got := eval[bool](t, c, `window.__xss === undefined && !document.querySelector('main img, #hxc-log img, #hxc-log b, #transcript b')`); !got {
			t.Errorf("%s: markup from a message or a name was interpreted", name)
		}
	}
	if got := eval[string](t, d, `document.getElementById('agent-name').textContent`); got != agentName {
		t.Errorf("dashboard shows the agent as %q", got)
	}
	screenshot(t, d, dir, "dashboard-conversation.png")

	do(t, d, "resolve", chromedp.Click(chromedp.ID("resolve")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	until(t, w, "the score buttons", `document.querySelector('.hxc-opts button[data-payload="csat:5"]:not([disabled])')`)
	if !clickOption(t, w, bot.PayloadCSAT+"5") {
		t.Fatal("no 5 button")
	}
	waitFor(t, "the score", func() bool {
		h, err := e.store.Handoff(ctx, conv.HandoffID)
		return err == nil && h.CSAT == 5
	})
	until(t, w, "the thanks", `document.querySelectorAll('.hxc-msg').length > 0 && [...document.querySelectorAll('.hxc-msg[data-kind=bot]')].pop().textContent.length > 0`)
	screenshot(t, w, dir, "widget-csat.png")

	// A reload keeps the conversation: the history is replayed.
	n := eval[int](t, w, `document.querySelectorAll('.hxc-msg[data-id]').length`)
	do(t, w, "reload the demo page", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("hxc-input")))
	until(t, w, "the history after a reload", fmt.Sprintf(`document.querySelectorAll('.hxc-msg[data-id]').length >= %d`, n))
}

// TestBrowserSecurity: the dashboard refuses a browser without a login,
// and a widget whose stored visitor id was swapped for another visitor's
// cannot read that conversation. Also keyboard-only use of the widget.
func TestBrowserSecurity(t *testing.T) {
	e := newEnv(t)
	b := browser(t)

	// A victim with a conversation.
	victim := e.session(t)
	e.say(t, victim, "v1", "mi código de verificación no llega, victim-secret", "")
	waitFor(t, "the victim's conversation", func() bool { return e.conv(t, victim.Visitor).ID != 0 })

	// No login: every page leads to the login form and shows no data.
	anon := tab(t, b, true, 1100)
	for _, p := range []string{"/dashboard/queue", "/dashboard/conversations", fmt.Sprintf("/dashboard/conversations/%d", e.conv(t, victim.Visitor).ID), "/dashboard/report"} {
		do(t, anon, "open "+p, chromedp.Navigate(e.srv.URL+p), chromedp.WaitVisible(chromedp.ID("token")))
		if got := eval[string](t, anon, `location.pathname`); got != "/dashboard/login" {
			t.Errorf("%s: at %s, want the login page", p, got)
		}
		if got := eval[bool](t, anon, `document.body.textContent.includes('victim-secret')`); got {
			t.Errorf("%s: data shown without a login", p)
		}
	}
	// A forged POST (no session cookie) is refused and changes nothing.
	h := e.handOff(t, victim)
	c, cancel := context.WithTimeout(anon, 20*time.Second)
	defer cancel()
	status, err := chromedp.Run(c, chromedp.Evaluate[int](fmt.Sprintf(`fetch('/dashboard/handoffs/%d/take', {method: 'POST', body: new URLSearchParams({csrf: 'x'})}).then(r => r.status)`, h),
		chromedp.EvalAwaitPromise))
	if err != nil || status != http.StatusForbidden {
		t.Errorf("POST take without login: status %d, %v; want 403", status, err)
	}
	if got, _ := e.store.Handoff(context.Background(), h); got.Status != bot.HandoffWaiting {
		t.Errorf("handoff %s after a POST without login", got.Status)
	}

	// Keyboard only: Tab to the bubble, Enter opens, type, Enter sends, Escape closes.
	k := tab(t, b, true, 360)
	do(t, k, "open the demo page", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("hxc-bubble")))
	do(t, k, "tab to the bubble", chromedp.KeyEvent("\t"))
	until(t, k, "focus on the bubble", `document.activeElement && document.activeElement.id === 'hxc-bubble'`)
	do(t, k, "open with Enter", chromedp.KeyEvent("\r"))
	until(t, k, "focus in the message box", `document.activeElement && document.activeElement.id === 'hxc-input'`)
	do(t, k, "type", chromedp.KeyEvent("hola"), chromedp.KeyEvent("\r"))
	until(t, k, "the message sent by keyboard", `[...document.querySelectorAll('.hxc-client')].some(m => m.textContent === 'hola')`)
	if got := eval[bool](t, k, `!!document.querySelector('#hxc-log[role=log][aria-live=polite]') && !!document.querySelector('label[for=hxc-input]') && document.getElementById('hxc-bubble').getAttribute('aria-label') !== ''`); !got {
		t.Error("widget lacks its accessible names or live region")
	}
	do(t, k, "close with Escape", chromedp.KeyEvent("\u001b"))
	until(t, k, "focus back on the bubble", `document.getElementById('hxc-panel').hidden && document.activeElement.id === 'hxc-bubble'`)

	// Forged visitor id: keep our token, put the victim's id in storage.
	do(t, k, "forge the visitor id", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const key = Object.keys(localStorage).find(k => k.startsWith('hexfit-chat:'));
		const c = JSON.parse(localStorage.getItem(key));
		c.visitor = %q;
		localStorage.setItem(key, JSON.stringify(c));
	})()`, victim.Visitor)), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("hxc-bubble")))
	do(t, k, "open the widget", chromedp.Click(chromedp.ID("hxc-bubble")), chromedp.WaitVisible(chromedp.ID("hxc-input")))
	until(t, k, "a fresh visitor id", fmt.Sprintf(`(() => {
		const key = Object.keys(localStorage).find(k => k.startsWith('hexfit-chat:'));
		const c = JSON.parse(localStorage.getItem(key));
		return c.visitor !== %q && c.visitor.length === 32;
	})()`, victim.Visitor))
	time.Sleep(300 * time.Millisecond) // let any stream deliver what it would
	if got := eval[bool](t, k, `document.body.textContent.includes('victim-secret')`); got {
		t.Fatal("the forged visitor id showed another visitor's conversation")
	}
}
