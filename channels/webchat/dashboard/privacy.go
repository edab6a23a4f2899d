package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hexfit/supportbot/bot"
)

// The conversation page's privacy actions: export the client's data as
// JSON, and erase it after a confirmation (a CSRF-protected POST, as the
// other actions). Both need Config.Privacy.

// contactOf is the contact a conversation's privacy actions act on; ok is
// false for a purged (anonymous) conversation.
func contactOf(c bot.Conversation) (bot.ContactRef, bool) {
	id := c.ContactID
	if id == "" {
		id = c.ChatID
	}
	if strings.HasPrefix(id, "purged:") || id == "" {
		return bot.ContactRef{}, false
	}
	return bot.ContactRef{Channel: c.Channel, ContactID: id}, true
}

// privacyTarget loads the conversation of the request and its contact,
// answering the request itself when it cannot.
func (d *Dashboard) privacyTarget(w http.ResponseWriter, r *http.Request) (bot.Conversation, bot.ContactRef, bool) {
	if d.cfg.Privacy == nil {
		http.Error(w, "export and erasure are not available", http.StatusNotFound)
		return bot.Conversation{}, bot.ContactRef{}, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return bot.Conversation{}, bot.ContactRef{}, false
	}
	c, err := d.cfg.Store.ConversationByID(r.Context(), id)
	if err != nil {
		d.fail(w, err)
		return c, bot.ContactRef{}, false
	}
	ref, ok := contactOf(c)
	if !ok {
		http.Error(w, "this conversation's content was removed: it names no one", http.StatusNotFound)
	}
	return c, ref, ok
}

func (d *Dashboard) exportContact(w http.ResponseWriter, r *http.Request, _ session) {
	c, ref, ok := d.privacyTarget(w, r)
	if !ok {
		return
	}
	x, err := d.cfg.Privacy.ExportContact(r.Context(), ref)
	if err != nil {
		d.fail(w, err)
		return
	}
	d.log.Info("dashboard: contact data exported", "conversation", c.ID, "channel", c.Channel)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="contact-%s-conversation-%d.json"`, c.Channel, c.ID))
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(x)
}

func (d *Dashboard) confirmErase(w http.ResponseWriter, r *http.Request, s session) {
	c, _, ok := d.privacyTarget(w, r)
	if !ok {
		return
	}
	d.render(w, r, http.StatusOK, "erase", s, map[string]any{"C": c, "Name": d.contactName(r.Context(), c.Channel, c.ContactID)})
}

func (d *Dashboard) erase(w http.ResponseWriter, r *http.Request, _ session) {
	c, ref, ok := d.privacyTarget(w, r)
	if !ok {
		return
	}
	if r.PostFormValue("confirm") != "erase" {
		http.Redirect(w, r, fmt.Sprintf("%s/conversations/%d/erase", d.cfg.Prefix, c.ID), http.StatusSeeOther)
		return
	}
	rm, err := d.cfg.Privacy.EraseContact(r.Context(), ref, d.cfg.Now())
	if err != nil {
		d.fail(w, err)
		return
	}
	d.log.Info("dashboard: contact erased", "channel", c.Channel, "removed", rm.String())
	d.redact(r.Context(), rm.DeskThreads)
	http.Redirect(w, r, d.cfg.Prefix+"/conversations?r=erased", http.StatusSeeOther)
}

// redact replaces the agent desk's copies of erased conversations.
func (d *Dashboard) redact(ctx context.Context, threads []bot.DeskThread) {
	if d.cfg.Desk == nil || len(threads) == 0 {
		return
	}
	if err := d.cfg.Desk.Redact(ctx, threads); err != nil {
		d.log.Warn("dashboard: desk copies of an erased contact not all replaced", "err", err)
	}
}
