package intents

import (
	"sync"
	"testing"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/content"
)

var (
	kbOnce   sync.Once
	kbConfig Config
	kbErr    error

	mOnce sync.Once
	mReal *Matcher
	mErr  error
)

// realConfig returns what the matcher learns from the embedded knowledge
// base.
func realConfig(t testing.TB) Config {
	t.Helper()
	kbOnce.Do(func() {
		kb, err := content.Load(content.Embedded(), content.Site{})
		if err != nil {
			kbErr = err
			return
		}
		kbConfig = ConfigOf(kb)
	})
	if kbErr != nil {
		t.Fatalf("load content: %v", kbErr)
	}
	return kbConfig
}

// realExamples returns the training phrases of the embedded knowledge base.
func realExamples(t testing.TB) []bot.Example { return realConfig(t).Examples }

// realMatcher returns a matcher built from the embedded knowledge base,
// shared by the tests (it is immutable).
func realMatcher(t testing.TB) *Matcher {
	t.Helper()
	cfg := realConfig(t)
	mOnce.Do(func() { mReal, mErr = New(cfg) })
	if mErr != nil {
		t.Fatalf("New: %v", mErr)
	}
	return mReal
}
