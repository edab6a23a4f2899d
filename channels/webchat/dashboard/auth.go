package dashboard

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

const cookieName = "supportbot_dash"

// session is a logged-in agent.
type session struct {
	Agent string
	CSRF  string
}

func (d *Dashboard) mac(parts ...string) string {
	m := hmac.New(sha256.New, d.cfg.Secret)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// cookieValue is name.expiry.mac: the agent name is readable but cannot be
// changed without the server secret.
func (d *Dashboard) cookieValue(agent string, exp time.Time) string {
	n := base64.RawURLEncoding.EncodeToString([]byte(agent))
	e := strconv.FormatInt(exp.Unix(), 10)
	return n + "." + e + "." + d.mac("session", n, e)
}

func (d *Dashboard) readSession(r *http.Request) (session, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return session{}, false
	}
	n, rest, ok1 := strings.Cut(c.Value, ".")
	e, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !hmac.Equal([]byte(sig), []byte(d.mac("session", n, e))) {
		return session{}, false
	}
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || d.cfg.Now().Unix() > exp {
		return session{}, false
	}
	name, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		return session{}, false
	}
	return session{Agent: string(name), CSRF: d.mac("csrf", c.Value)}, true
}

// auth guards a page: without a valid session a GET goes to the login page
// and anything else is refused; a POST also needs the form's CSRF token
// and, when the browser sends one, a same-origin Origin header.
func (d *Dashboard) auth(next func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := d.readSession(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, d.cfg.Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "login required", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) || !hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(s.CSRF)) {
				http.Error(w, "invalid form token: reload the page", http.StatusForbidden)
				return
			}
		}
		next(w, r, s)
	}
}

func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true // older browsers; the CSRF token still applies
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

func (d *Dashboard) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := d.readSession(r); ok {
		http.Redirect(w, r, d.next(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d.render(w, r, http.StatusOK, "login", session{}, d.loginData(r.URL.Query().Get("next"), ""))
}

func (d *Dashboard) loginData(next, msg string) map[string]any {
	return map[string]any{"TokenMode": d.cfg.Token != "", "Next": next, "Error": msg}
}

// next keeps redirects inside the dashboard.
func (d *Dashboard) next(n string) string {
	if strings.HasPrefix(n, d.cfg.Prefix+"/") && !strings.HasPrefix(n, "//") && !strings.Contains(n, "\\") {
		return n
	}
	return d.cfg.Prefix + "/queue"
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "cross-site login refused", http.StatusForbidden)
		return
	}
	next := r.PostFormValue("next")
	if !d.logins.allow(clientAddr(r), d.cfg.Now()) {
		d.render(w, r, http.StatusTooManyRequests, "login", session{}, d.loginData(next, "Too many attempts: wait a minute."))
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	var ok bool
	if d.cfg.Token != "" && r.PostFormValue("token") != "" {
		ok = equal(r.PostFormValue("token"), d.cfg.Token) && name != "" && utf8.RuneCountInString(name) <= 60
	} else if d.cfg.User != "" {
		ok = equal(name, d.cfg.User) && equal(r.PostFormValue("password"), d.cfg.Password)
	}
	if !ok {
		d.log.Warn("dashboard: failed login")
		d.render(w, r, http.StatusUnauthorized, "login", session{}, d.loginData(next, "Wrong credentials."))
		return
	}
	exp := d.cfg.Now().Add(d.cfg.SessionTTL)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: d.cookieValue(name, exp), Path: d.cfg.Prefix, Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, d.next(next), http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, _ session) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: d.cfg.Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, d.cfg.Prefix+"/login", http.StatusSeeOther)
}

// equal compares secrets in constant time (hashing first hides the length).
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func clientAddr(r *http.Request) string {
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		return r.RemoteAddr[:i]
	}
	return r.RemoteAddr
}

// attempts limits login attempts per client address.
type attempts struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func newAttempts() *attempts { return &attempts{m: map[string]*rate.Limiter{}} }

func (a *attempts) allow(addr string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.m) > 10_000 { // bounded: forget everyone rather than grow
		a.m = map[string]*rate.Limiter{}
	}
	l := a.m[addr]
	if l == nil {
		l = rate.NewLimiter(rate.Every(6*time.Second), 10)
		a.m[addr] = l
	}
	return l.AllowN(now, 1)
}
