package webchat

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Visitor ids are 128 random bits in hex; the token is an HMAC of the id
// under the server secret, so knowing (or guessing) another visitor's id
// does not give access to their conversation.

// newVisitor returns a fresh random visitor id.
func newVisitor() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// validVisitor reports whether id has the shape newVisitor makes.
func validVisitor(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

func (c *Channel) token(visitor string) string {
	m := hmac.New(sha256.New, c.cfg.Secret)
	m.Write([]byte("webchat-visitor:" + visitor))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify checks a visitor id and its token in constant time.
func (c *Channel) verify(visitor, token string) bool {
	if !validVisitor(visitor) || token == "" {
		return false
	}
	return hmac.Equal([]byte(c.token(visitor)), []byte(token))
}

// secretFile is the name of the persisted secret in the data directory.
const secretFile = "webchat.secret"

// LoadSecret returns the secret kept in dir, creating a random one (mode
// 0600) on first use, so visitor tokens stay valid across restarts.
func LoadSecret(dir string) ([]byte, error) {
	p := filepath.Join(dir, secretFile)
	b, err := os.ReadFile(p)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("webchat: secret %s is shorter than 32 bytes", p)
		}
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("webchat: read secret: %w", err)
	}
	b = make([]byte, 32)
	_, _ = rand.Read(b)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("webchat: create data dir: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process won the race
		return LoadSecret(dir)
	}
	if err != nil {
		return nil, fmt.Errorf("webchat: create secret: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("webchat: write secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("webchat: write secret: %w", err)
	}
	return b, nil
}
