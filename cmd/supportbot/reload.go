package main

import (
	"context"
	"sync/atomic"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/content"
	"github.com/hexfit/supportbot/intents"
)

// liveContent is the knowledge base and the matcher built from it, swapped
// together on reload so that an answer never comes from another version of
// the content than the match.
type liveContent struct {
	cur  atomic.Pointer[contentPair]
	load func() (*content.KB, *intents.Matcher, error)
}

type contentPair struct {
	kb *content.KB
	m  *intents.Matcher
}

var (
	_ bot.Knowledge = (*liveContent)(nil)
	_ bot.Matcher   = (*liveContent)(nil)
)

// newLiveContent loads the content once; load is called again on reload.
func newLiveContent(load func() (*content.KB, *intents.Matcher, error)) (*liveContent, error) {
	l := &liveContent{load: load}
	if err := l.Reload(context.Background()); err != nil {
		return nil, err
	}
	return l, nil
}

// Reload re-reads and validates the content; on any problem the current
// content stays and the error lists the validator's messages.
func (l *liveContent) Reload(context.Context) error {
	kb, m, err := l.load()
	if err != nil {
		return err
	}
	l.cur.Store(&contentPair{kb, m})
	return nil
}

func (l *liveContent) Answer(i bot.Intent, lang bot.Lang, a bot.Audience) (bot.Answer, bool) {
	return l.cur.Load().kb.Answer(i, lang, a)
}

func (l *liveContent) Text(lang bot.Lang, key string, vars map[string]string) string {
	return l.cur.Load().kb.Text(lang, key, vars)
}

func (l *liveContent) Match(text string, h bot.MatchHints) bot.Match {
	return l.cur.Load().m.Match(text, h)
}

func (l *liveContent) List(lang bot.Lang, key string) []string {
	return l.cur.Load().kb.List(lang, key)
}

func (l *liveContent) Langs() []bot.Lang { return l.cur.Load().kb.Langs() }

func (l *liveContent) Kind(i bot.Intent) (bot.IntentKind, bool) { return l.cur.Load().kb.Kind(i) }

func (l *liveContent) Intents() []bot.Intent { return l.cur.Load().kb.Intents() }

func (l *liveContent) Topics() []bot.Intent { return l.cur.Load().kb.Topics() }
