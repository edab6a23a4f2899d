package bot

import "sync"

// stateCache keeps the conversations and contacts this engine last
// committed, so the hot path does not read them back from the store.
//
// It is safe with other writers (an agent console in another process):
// every Commit checks the conversation's Version, a stale entry makes it
// fail with ErrConflict, and the engine then drops the entry and reloads.
// It is bounded by clearing itself when full: simple, and a miss only
// costs a read.
type stateCache struct {
	mu       sync.Mutex
	max      int
	convs    map[string]Conversation
	contacts map[string]Contact
}

func newStateCache(max int) *stateCache {
	return &stateCache{max: max, convs: map[string]Conversation{}, contacts: map[string]Contact{}}
}

func (c *stateCache) conv(key string) (Conversation, bool) {
	if c == nil {
		return Conversation{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.convs[key]
	return v, ok
}

func (c *stateCache) contact(key string) (Contact, bool) {
	if c == nil {
		return Contact{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.contacts[key]
	return v, ok
}

// put records what was just committed.
func (c *stateCache) put(conv Conversation, ct *Contact) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.convs) >= c.max || len(c.contacts) >= c.max {
		clear(c.convs)
		clear(c.contacts)
	}
	c.convs[conv.Key()] = conv
	if ct != nil {
		c.contacts[ct.Channel+":"+ct.ContactID] = *ct
	}
}

func (c *stateCache) drop(convKey string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.convs, convKey)
}

func (c *stateCache) dropContact(ct *Contact) {
	if c == nil || ct == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.contacts, ct.Channel+":"+ct.ContactID)
}
