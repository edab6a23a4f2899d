package intents

import (
	"sync"
	"testing"

	"github.com/hexfit/supportbot/bot"
	"github.com/hexfit/supportbot/content"
)

var (
	kbOnce     sync.Once
	kbExamples []bot.Example
	kbErr      error

	mOnce sync.Once
	mReal *Matcher
	mErr  error
)

// realExamples returns the training phrases of the embedded knowledge base.
func realExamples(t testing.TB) []bot.Example {
	t.Helper()
	kbOnce.Do(func() {
		kb, err := content.Load(content.Embedded(), content.Site{})
		if err != nil {
			kbErr = err
			return
		}
		kbExamples = kb.Examples()
	})
	if kbErr != nil {
		t.Fatalf("load content: %v", kbErr)
	}
	return kbExamples
}

// realMatcher returns a matcher built from the embedded knowledge base,
// shared by the tests (it is immutable).
func realMatcher(t testing.TB) *Matcher {
	t.Helper()
	ex := realExamples(t)
	mOnce.Do(func() { mReal, mErr = New(ex) })
	if mErr != nil {
		t.Fatalf("New: %v", mErr)
	}
	return mReal
}
