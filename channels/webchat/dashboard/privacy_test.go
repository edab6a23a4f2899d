package dashboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hexfit/supportbot/bot"
)

// redactor records the desk threads an erasure asks to replace.
type redactor struct {
	mu      sync.Mutex
	threads []bot.DeskThread
}

func (r *redactor) Redact(_ context.Context, ts []bot.DeskThread) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.threads = append(r.threads, ts...)
	return nil
}

func (r *redactor) got() []bot.DeskThread {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.DeskThread(nil), r.threads...)
}

func TestExportAndErase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.handoff(t, "v-erase", "Carla Secreta")
	if err := e.store.SaveSlackThread(ctx, c.HandoffID, c.ID, "CAGENTS", "1700000000.000001"); err != nil {
		t.Fatal(err)
	}
	other := e.handoff(t, "v-keep", "Bob")
	ana := e.login(t, "Ana")
	base := e.srv.URL + "/dashboard/conversations/" + strconv.FormatInt(c.ID, 10)

	code, page := get(t, ana, base)
	if code != http.StatusOK || !strings.Contains(page, `id="export"`) || !strings.Contains(page, `id="erase"`) {
		t.Fatalf("conversation page (%d) offers no export and erase:\n%s", code, page)
	}
	code, body := get(t, ana, base+"/export")
	var x bot.ContactExport
	if code != http.StatusOK || json.Unmarshal([]byte(body), &x) != nil || x.Contact == nil || x.Contact.Name != "Carla Secreta" ||
		len(x.Conversations) != 1 || x.Conversations[0].Messages[0].Text != "olvidé mi contraseña" {
		t.Fatalf("export (%d):\n%s", code, body)
	}

	code, confirm := get(t, ana, base+"/erase")
	if code != http.StatusOK || !strings.Contains(confirm, `id="erase-confirm"`) {
		t.Fatalf("confirmation page (%d):\n%s", code, confirm)
	}
	if _, err := e.store.Conversation(ctx, "webchat", "v-erase"); err != nil {
		t.Fatalf("showing the confirmation erased: %v", err)
	}
	tok := csrf(t, confirm)
	refused := []struct {
		name string
		form url.Values
	}{
		{"forged token", url.Values{"csrf": {"forged"}, "confirm": {"erase"}}},
		{"no confirmation", url.Values{"csrf": {tok}}},
	}
	for _, r := range refused {
		post(t, ana, base+"/erase", r.form)
		if _, err := e.store.Conversation(ctx, "webchat", "v-erase"); err != nil {
			t.Fatalf("%s erased the data: %v", r.name, err)
		}
	}
	if code, _ := post(t, e.client(t), base+"/erase", url.Values{"csrf": {tok}, "confirm": {"erase"}}); code != http.StatusForbidden {
		t.Fatalf("erase without login: %d", code)
	}

	code, loc := post(t, ana, base+"/erase", url.Values{"csrf": {tok}, "confirm": {"erase"}})
	if code != http.StatusSeeOther || loc != "/dashboard/conversations?r=erased" {
		t.Fatalf("erase: %d → %q", code, loc)
	}
	if _, err := e.store.Conversation(ctx, "webchat", "v-erase"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("after erasure the conversation is %v, want ErrNotFound", err)
	}
	if _, err := e.store.Conversation(ctx, "webchat", "v-keep"); err != nil || other.ID == 0 {
		t.Fatalf("another client's conversation went too: %v", err)
	}
	if th := e.desk.got(); len(th) != 1 || th[0].TS != "1700000000.000001" {
		t.Errorf("desk asked to redact %+v, want the erased handoff's thread", th)
	}
	if _, list := get(t, ana, e.srv.URL+"/dashboard/conversations?r=erased"); !strings.Contains(list, "data was erased") ||
		strings.Contains(list, "Carla") {
		t.Errorf("conversation list after erasure:\n%s", list)
	}
	if code, _ := get(t, ana, base+"/export"); code != http.StatusNotFound {
		t.Errorf("export after erasure: %d, want 404", code)
	}
}

func TestPrivacyActionsNeedLogin(t *testing.T) {
	e := newEnv(t)
	c := e.handoff(t, "v-anon", "Dora")
	anon := e.client(t)
	for _, p := range []string{"/export", "/erase"} {
		resp, err := anon.Get(e.srv.URL + "/dashboard/conversations/" + strconv.FormatInt(c.ID, 10) + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/dashboard/login") {
			t.Errorf("GET %s without login: %d → %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}
