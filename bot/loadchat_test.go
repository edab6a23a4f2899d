package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hexfit/supportbot/bot"
)

// chatLoaderStore gives a store the one-round-trip read and counts which
// reads the engine makes.
type chatLoaderStore struct {
	bot.Store
	loads, singles, contactWrites atomic.Int64
}

func (s *chatLoaderStore) Commit(ctx context.Context, c bot.Change) (bot.Committed, error) {
	if c.Contact != nil {
		s.contactWrites.Add(1)
	}
	return s.Store.Commit(ctx, c)
}

func (s *chatLoaderStore) LoadChat(ctx context.Context, channel, chatID, contactID string) (bot.ChatState, error) {
	s.loads.Add(1)
	var cs bot.ChatState
	c, err := s.Store.Conversation(ctx, channel, chatID)
	cs.Conversation, cs.ConversationFound = c, err == nil
	k, err := s.Store.Contact(ctx, channel, contactID)
	cs.Contact, cs.ContactFound = k, err == nil
	return cs, nil
}

func (s *chatLoaderStore) Conversation(ctx context.Context, channel, chatID string) (bot.Conversation, error) {
	s.singles.Add(1)
	return s.Store.Conversation(ctx, channel, chatID)
}

func (s *chatLoaderStore) Contact(ctx context.Context, channel, contactID string) (bot.Contact, error) {
	s.singles.Add(1)
	return s.Store.Contact(ctx, channel, contactID)
}

// TestEngineUsesChatLoader: without a cache, each message reads its chat
// with one LoadChat, and the conversation goes on as with separate reads.
// An unchanged contact is not written again.
func TestEngineUsesChatLoader(t *testing.T) {
	kb, m, inner := realParts(t, t.TempDir())
	st := &chatLoaderStore{Store: inner}
	eng, err := bot.NewEngine(bot.Config{Store: st, Matcher: m, Knowledge: kb, CacheSize: -1,
		Channels: map[string]bot.Capabilities{"test": chatCaps}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"hola", "olvidé mi contraseña", "merci"}
	for i, text := range texts {
		msg := bot.Message{Channel: "test", ChatID: "c1", ContactID: "u1", Text: text, PlatformID: fmt.Sprint("m", i), Time: time.Now()}
		if err := eng.Handle(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if got := st.loads.Load(); got != int64(len(texts)) {
		t.Errorf("%d LoadChat calls for %d messages", got, len(texts))
	}
	if got := st.singles.Load(); got != 0 {
		t.Errorf("%d separate reads besides LoadChat", got)
	}
	if got := st.contactWrites.Load(); got != 1 {
		t.Errorf("the contact was written %d times; want once (it never changed after the first message)", got)
	}
	ct, err := inner.Contact(context.Background(), "test", "u1")
	if err != nil || ct.Lang != bot.Lang("es") {
		t.Errorf("stored contact %+v (%v), want its language es", ct, err)
	}
	conv, err := inner.Conversation(context.Background(), "test", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if conv.Version != int64(len(texts)) || conv.Lang != bot.Lang("es") {
		t.Errorf("conversation version %d, language %q; want %d, es (remembered across messages)", conv.Version, conv.Lang, len(texts))
	}
}
