package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hexfit/supportbot/bot"
)

//go:embed templates
var templates embed.FS

// parseTemplates builds one template set per page, each with the layout.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"ago": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"pct": func(a, b int) string {
			if b == 0 {
				return "–"
			}
			return fmt.Sprintf("%.0f%%", 100*float64(a)/float64(b))
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templates, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: templates: %w", err)
	}
	pages, err := templates.ReadDir("templates")
	if err != nil {
		return nil, fmt.Errorf("dashboard: templates: %w", err)
	}
	out := map[string]*template.Template{}
	for _, p := range pages {
		if p.Name() == "layout.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templates, "templates/"+p.Name())
		if err != nil {
			return nil, fmt.Errorf("dashboard: templates: %w", err)
		}
		out[strings.TrimSuffix(p.Name(), path.Ext(p.Name()))] = t
	}
	return out, nil
}

// page is what every template gets.
type page struct {
	Prefix string
	Agent  string
	CSRF   string
	Name   string
	Data   map[string]any
}

func (d *Dashboard) render(w http.ResponseWriter, _ *http.Request, status int, name string, s session, data map[string]any) {
	t, ok := d.tmpl[name]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout.html", page{Prefix: d.cfg.Prefix, Agent: s.Agent, CSRF: s.CSRF, Name: name, Data: data}); err != nil {
		d.log.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (d *Dashboard) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, bot.ErrNotFound) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	d.log.Error("dashboard: request failed", "err", err)
	http.Error(w, "the database is unavailable", http.StatusServiceUnavailable)
}

// queueRow is one open handoff with who is waiting.
type queueRow struct {
	bot.Handoff
	Name string
	Wait string
}

func (d *Dashboard) queue(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	hs, err := d.cfg.Store.Handoffs(ctx, bot.HandoffWaiting, bot.HandoffTaken)
	if err != nil {
		d.fail(w, err)
		return
	}
	rows := make([]queueRow, 0, len(hs))
	for _, h := range hs {
		rows = append(rows, queueRow{Handoff: h, Name: d.contactName(ctx, h.Channel, h.ContactID),
			Wait: d.cfg.Now().Sub(h.CreatedAt).Round(time.Second).String()})
	}
	d.render(w, r, http.StatusOK, "queue", s, map[string]any{"Rows": rows, "Msg": flash(r)})
}

func (d *Dashboard) contactName(ctx context.Context, channel, id string) string {
	c, err := d.cfg.Store.Contact(ctx, channel, id)
	if err != nil {
		return ""
	}
	return c.Name
}

// channels and states offered as filters.
var (
	filterStates   = []bot.State{bot.StateBot, bot.StateWaiting, bot.StateWithAgt, bot.StateResolved}
	filterChannels = []string{"webchat", "telegram", "whatsapp", "sms", "discord", "slack", "console"}
)

func (d *Dashboard) conversations(w http.ResponseWriter, r *http.Request, s session) {
	q := r.URL.Query()
	f := bot.ConversationFilter{State: bot.State(q.Get("state")), Channel: q.Get("channel"), Lang: bot.Lang(q.Get("lang")), Limit: 200}
	list, err := d.cfg.Store.ListConversations(r.Context(), f)
	if err != nil {
		d.fail(w, err)
		return
	}
	d.render(w, r, http.StatusOK, "conversations", s, map[string]any{"List": list, "F": f, "Msg": flash(r),
		"States": filterStates, "Channels": filterChannels, "Langs": d.langs()})
}

func (d *Dashboard) conversation(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	c, err := d.cfg.Store.ConversationByID(ctx, id)
	if err != nil {
		d.fail(w, err)
		return
	}
	es, err := d.cfg.Store.Transcript(ctx, id, 0, 0)
	if err != nil {
		d.fail(w, err)
		return
	}
	_, named := contactOf(c)
	data := map[string]any{"C": c, "Name": d.contactName(ctx, c.Channel, c.ContactID), "Entries": es, "Msg": flash(r),
		"Privacy": d.cfg.Privacy != nil && named}
	if c.HandoffID != 0 {
		h, err := d.cfg.Store.Handoff(ctx, c.HandoffID)
		if err != nil {
			d.fail(w, err)
			return
		}
		data["H"] = h
	}
	d.render(w, r, http.StatusOK, "conversation", s, data)
}

// flash turns a result code from a redirect into a fixed message.
func flash(r *http.Request) string {
	switch r.URL.Query().Get("r") {
	case "take":
		return "Taken."
	case "reply":
		return "Reply sent."
	case "note":
		return "Note added."
	case "resolve":
		return "Resolved: the client was asked for a score."
	case "conflict":
		return "Someone else changed this handoff (taken by another agent or already resolved)."
	case "empty":
		return "Write a message first."
	case "erased":
		return "The client's data was erased."
	}
	return ""
}

func (d *Dashboard) act(w http.ResponseWriter, r *http.Request, s session, a Agent) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	h, err := d.cfg.Store.Handoff(ctx, id)
	if err != nil {
		d.fail(w, err)
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	action := r.PathValue("action")
	switch action {
	case "take":
		err = a.Take(ctx, id, s.Agent)
	case "reply", "note":
		if text == "" {
			d.back(w, r, h, "empty")
			return
		}
		if action == "reply" {
			err = a.Reply(ctx, id, s.Agent, text)
		} else {
			err = a.Note(ctx, id, s.Agent, text)
		}
	case "resolve":
		err = a.Resolve(ctx, id, s.Agent)
	default:
		http.Error(w, "unknown action", http.StatusNotFound)
		return
	}
	switch {
	case errors.Is(err, bot.ErrConflict):
		d.back(w, r, h, "conflict")
	case err != nil:
		d.fail(w, err)
	default:
		d.log.Info("dashboard: agent action", "action", action, "handoff", id)
		d.back(w, r, h, action)
	}
}

// back returns to the page the form was on (the queue or the conversation).
func (d *Dashboard) back(w http.ResponseWriter, r *http.Request, h bot.Handoff, code string) {
	to := fmt.Sprintf("%s/conversations/%d?r=%s", d.cfg.Prefix, h.ConvID, code)
	if r.PostFormValue("from") == "queue" {
		to = d.cfg.Prefix + "/queue?r=" + code
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// countRow is one line of a sorted count table.
type countRow struct {
	Label string
	Count int
}

func (d *Dashboard) report(w http.ResponseWriter, r *http.Request, s session) {
	ctx := r.Context()
	days, err := strconv.Atoi(r.URL.Query().Get("days"))
	if err != nil || days < 1 || days > 365 {
		days = 30
	}
	since := d.cfg.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
	rep, err := d.cfg.Store.Report(ctx, since, 20)
	if err != nil {
		d.fail(w, err)
		return
	}
	act, err := d.cfg.Store.DailyActivity(ctx, since)
	if err != nil {
		d.fail(w, err)
		return
	}
	var unhelpful []countRow
	for i, n := range rep.Unhelpful {
		unhelpful = append(unhelpful, countRow{string(i), n})
	}
	sort.Slice(unhelpful, func(i, j int) bool {
		return unhelpful[i].Count > unhelpful[j].Count || unhelpful[i].Count == unhelpful[j].Count && unhelpful[i].Label < unhelpful[j].Label
	})
	type langTop struct {
		Lang bot.Lang
		Rows []bot.IntentCount
	}
	var top []langTop
	for _, l := range d.langsOf(rep.TopIntents) {
		if rows := rep.TopIntents[l]; len(rows) > 0 {
			top = append(top, langTop{l, rows[:min(len(rows), 8)]})
		}
	}
	d.render(w, r, http.StatusOK, "report", s, map[string]any{"R": rep, "Days": days, "Chart": newChart(act),
		"Contained": rep.Conversations - rep.HandedOff, "Unhelpful": unhelpful, "Top": top})
}

func (d *Dashboard) contentPage(w http.ResponseWriter, r *http.Request, s session) {
	d.render(w, r, http.StatusOK, "content", s, map[string]any{"Available": d.cfg.Reload != nil})
}

func (d *Dashboard) reload(w http.ResponseWriter, r *http.Request, s session) {
	data := map[string]any{"Available": d.cfg.Reload != nil}
	status := http.StatusOK
	if d.cfg.Reload != nil {
		if err := d.cfg.Reload(r.Context()); err != nil {
			d.log.Warn("dashboard: content reload refused", "err", err)
			data["Error"], status = err.Error(), http.StatusUnprocessableEntity
		} else {
			d.log.Info("dashboard: content reloaded")
			data["OK"] = true
		}
	}
	d.render(w, r, status, "content", s, data)
}

// langs are the knowledge base's languages.
func (d *Dashboard) langs() []bot.Lang {
	if d.cfg.Knowledge == nil {
		return nil
	}
	return d.cfg.Knowledge.Langs()
}

// langsOf orders the languages of a per-language figure: the knowledge
// base's first, then any other the store holds.
func (d *Dashboard) langsOf(m map[bot.Lang][]bot.IntentCount) []bot.Lang {
	out := d.langs()
	var rest []bot.Lang
	for l := range m {
		if !slices.Contains(out, l) {
			rest = append(rest, l)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}
