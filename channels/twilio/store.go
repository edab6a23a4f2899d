package twilio

import (
	"context"
	"sync"
	"time"
)

// Store keeps what the adapter must remember per contact: SMS opt-outs (STOP
// until START) and the time of the last inbound WhatsApp message, which opens
// the 24-hour customer-service window. channel is "sms" or "whatsapp", chatID
// the contact's address as in bot.Message.ChatID.
//
// The webhook calls the setters before handing a message to the engine and
// Send calls the getters before every delivery, from any goroutine, so
// implementations must be safe for concurrent use. Methods block on I/O at
// most until ctx ends. An error means the state is unknown: the webhook then
// answers 500 (Twilio may redeliver) and Send returns a retryable error. An
// unknown contact is not an error: OptedOut reports false and LastInbound the
// zero time.
type Store interface {
	SetOptOut(ctx context.Context, channel, chatID string, out bool) error
	OptedOut(ctx context.Context, channel, chatID string) (bool, error)
	// SetLastInbound records an inbound message at t; an earlier t than the
	// one stored must not move the time back.
	SetLastInbound(ctx context.Context, channel, chatID string, t time.Time) error
	LastInbound(ctx context.Context, channel, chatID string) (time.Time, error)
}

// MemoryStore is a Store in process memory, for development and tests. It
// forgets everything on restart, which for opt-outs is a compliance risk:
// production wires a persistent Store.
type MemoryStore struct {
	mu      sync.Mutex
	optOut  map[string]bool
	inbound map[string]time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{optOut: map[string]bool{}, inbound: map[string]time.Time{}}
}

func memKey(channel, chatID string) string { return channel + "\x00" + chatID }

// SetOptOut implements Store.
func (m *MemoryStore) SetOptOut(_ context.Context, channel, chatID string, out bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if out {
		m.optOut[memKey(channel, chatID)] = true
	} else {
		delete(m.optOut, memKey(channel, chatID))
	}
	return nil
}

// OptedOut implements Store.
func (m *MemoryStore) OptedOut(_ context.Context, channel, chatID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.optOut[memKey(channel, chatID)], nil
}

// SetLastInbound implements Store.
func (m *MemoryStore) SetLastInbound(_ context.Context, channel, chatID string, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey(channel, chatID)
	if t.After(m.inbound[k]) {
		m.inbound[k] = t
	}
	return nil
}

// LastInbound implements Store.
func (m *MemoryStore) LastInbound(_ context.Context, channel, chatID string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inbound[memKey(channel, chatID)], nil
}
