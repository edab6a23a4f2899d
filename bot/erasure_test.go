package bot_test

import (
	"context"
	"testing"

	"github.com/hexfit/supportbot/bot"
)

// TestErasedContactStartsAgain: after an erasure (here from another
// process, as `supportbot data erase` is), the contact's next message
// starts a new conversation; the engine's cached name is not written
// back, and the remembered language survives.
func TestErasedContactStartsAgain(t *testing.T) {
	h := newHarness(t, bot.Capabilities{Buttons: true})
	ctx := context.Background()
	m := h.msg("e1", "j'ai oublié mon mot de passe", "")
	m.DisplayName = "Zoé Effacée"
	h.send(m)
	if _, err := h.st.(bot.Privacy).EraseContact(ctx, bot.ContactRef{Channel: "test", ContactID: "u-e1"}, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if ct, err := h.st.Contact(ctx, "test", "u-e1"); err != nil || ct.Name != "" || ct.Lang != bot.Lang("fr") {
		t.Fatalf("contact after erasure %+v %v, want no name and the language kept", ct, err)
	}
	// A message in another language changes the contact, which is then
	// written: from the store's state, not from the engine's cache.
	text := "hello, I forgot my password and I cannot log in to the app"
	h.say("e1", text)
	tr, err := h.st.Transcript(ctx, h.conv("e1").ID, 0, 0)
	if err != nil || len(tr) == 0 || tr[0].Text != text {
		t.Fatalf("new transcript %+v %v, want it to start at the new message", tr, err)
	}
	if ct, err := h.st.Contact(ctx, "test", "u-e1"); err != nil || ct.Name != "" {
		t.Fatalf("contact after the next message %+v %v: the erased name came back", ct, err)
	}
}
