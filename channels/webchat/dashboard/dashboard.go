// Package dashboard is the staff web dashboard: conversations with their
// transcript, the handoff queue (take, reply, note, resolve), the report
// with a chart over time, and content reload. Server-rendered html/template
// pages behind a login; no default password: without credentials in the
// config there is no dashboard.
package dashboard

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// Store is what the dashboard reads. The methods block on I/O; missing
// records are reported with bot.ErrNotFound.
type Store interface {
	Handoffs(ctx context.Context, statuses ...bot.HandoffStatus) ([]bot.Handoff, error)
	Handoff(ctx context.Context, id int64) (bot.Handoff, error)
	ConversationByID(ctx context.Context, id int64) (bot.Conversation, error)
	Contact(ctx context.Context, channel, contactID string) (bot.Contact, error)
	Transcript(ctx context.Context, convID, afterID int64, limit int) ([]bot.Entry, error)
	Report(ctx context.Context, since time.Time, maxUnmatched int) (bot.ReportData, error)
	// ListConversations lists conversations matching a filter, newest first.
	ListConversations(ctx context.Context, f bot.ConversationFilter) ([]bot.ConversationSummary, error)
	// DailyActivity counts activity per UTC day since a time, oldest first.
	DailyActivity(ctx context.Context, since time.Time) ([]bot.DayActivity, error)
}

// Agent performs agent actions on handoffs; *bot.Engine implements it.
// Each call commits before it returns; bot.ErrConflict means the handoff
// is held by another agent or already resolved.
type Agent interface {
	Take(ctx context.Context, handoffID int64, agent string) error
	Reply(ctx context.Context, handoffID int64, agent, text string) error
	Note(ctx context.Context, handoffID int64, agent, text string) error
	Resolve(ctx context.Context, handoffID int64, agent string) error
}

// Config wires the dashboard. Store and Secret are required, and either
// Token or User and Password.
type Config struct {
	Store Store
	// Token logs in an agent who types it with their name.
	Token string
	// User and Password log in one named account.
	User, Password string
	// Secret signs session cookies and CSRF tokens (at least 32 bytes).
	Secret []byte
	// Reload re-reads the help-center content; its error carries the
	// validator's messages. nil: the page says reloading is not available.
	Reload func(ctx context.Context) error
	// Knowledge gives the languages to filter and report by (optional:
	// without it, those of the conversations shown).
	Knowledge bot.Knowledge
	// Privacy exports and erases a conversation's client (nil: the
	// conversation page offers neither).
	Privacy bot.Privacy
	// Desk replaces the agent desk's copies of an erased client's
	// conversations (nil: none keeps copies).
	Desk bot.DeskRedactor
	// Prefix is where the dashboard is mounted (default "/dashboard").
	Prefix string
	// SessionTTL is how long a login lasts (default 12h).
	SessionTTL time.Duration
	Logger     *slog.Logger
	Now        func() time.Time
}

// ErrDisabled: no login credentials are configured, so there is no dashboard.
var ErrDisabled = errors.New("dashboard: no SUPPORTBOT_DASHBOARD_TOKEN or SUPPORTBOT_DASHBOARD_USER/PASSWORD set")

// Dashboard serves the staff pages.
type Dashboard struct {
	cfg    Config
	tmpl   map[string]*template.Template
	logins *attempts
	log    *slog.Logger
}

// New checks cfg. It returns ErrDisabled when no credentials are set.
func New(cfg Config) (*Dashboard, error) {
	if cfg.Token == "" && (cfg.User == "" || cfg.Password == "") {
		if cfg.User != "" || cfg.Password != "" {
			return nil, errors.New("dashboard: set both SUPPORTBOT_DASHBOARD_USER and SUPPORTBOT_DASHBOARD_PASSWORD")
		}
		return nil, ErrDisabled
	}
	if cfg.Token != "" && len(cfg.Token) < 16 {
		return nil, errors.New("dashboard: SUPPORTBOT_DASHBOARD_TOKEN must be at least 16 characters")
	}
	if cfg.Password != "" && len(cfg.Password) < 10 {
		return nil, errors.New("dashboard: SUPPORTBOT_DASHBOARD_PASSWORD must be at least 10 characters")
	}
	if cfg.Store == nil || len(cfg.Secret) < 32 {
		return nil, errors.New("dashboard: Store and a Secret of at least 32 bytes are required")
	}
	cfg.Prefix = "/" + strings.Trim(cfg.Prefix, "/")
	if cfg.Prefix == "/" {
		cfg.Prefix = "/dashboard"
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	return &Dashboard{cfg: cfg, tmpl: t, logins: newAttempts(), log: cfg.Logger}, nil
}

// Prefix is the mount point, e.g. "/dashboard".
func (d *Dashboard) Prefix() string { return d.cfg.Prefix }

// Handler serves every page under Prefix; agent actions go to a.
func (d *Dashboard) Handler(a Agent) http.Handler {
	p := d.cfg.Prefix
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p+"/login", d.loginPage)
	mux.HandleFunc("POST "+p+"/login", d.login)
	mux.HandleFunc("POST "+p+"/logout", d.auth(d.logout))
	mux.HandleFunc("GET "+p+"/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p+"/queue", http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p+"/queue", http.StatusSeeOther)
	})
	mux.HandleFunc("GET "+p+"/queue", d.auth(d.queue))
	mux.HandleFunc("GET "+p+"/conversations", d.auth(d.conversations))
	mux.HandleFunc("GET "+p+"/conversations/{id}", d.auth(d.conversation))
	mux.HandleFunc("GET "+p+"/conversations/{id}/export", d.auth(d.exportContact))
	mux.HandleFunc("GET "+p+"/conversations/{id}/erase", d.auth(d.confirmErase))
	mux.HandleFunc("POST "+p+"/conversations/{id}/erase", d.auth(d.erase))
	mux.HandleFunc("POST "+p+"/handoffs/{id}/{action}", d.auth(func(w http.ResponseWriter, r *http.Request, s session) {
		d.act(w, r, s, a)
	}))
	mux.HandleFunc("GET "+p+"/report", d.auth(d.report))
	mux.HandleFunc("GET "+p+"/content", d.auth(d.contentPage))
	mux.HandleFunc("POST "+p+"/content/reload", d.auth(d.reload))
	return securityHeaders(mux)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin") // "no-referrer" would make form posts send Origin: null
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
