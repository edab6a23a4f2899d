package bot

import "sync"

// keyLocks serializes work per conversation key, first come first served
// (blocked channel receivers are woken in FIFO order), while different
// keys proceed in parallel. Entries are dropped when no one holds or waits.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	token chan struct{}
	refs  int
}

func newKeyLocks() *keyLocks { return &keyLocks{m: map[string]*keyLock{}} }

// lock blocks until key is free and returns the function that frees it.
func (k *keyLocks) lock(key string) func() {
	k.mu.Lock()
	l, ok := k.m[key]
	if !ok {
		l = &keyLock{token: make(chan struct{}, 1)}
		l.token <- struct{}{}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	<-l.token
	return func() {
		l.token <- struct{}{}
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
