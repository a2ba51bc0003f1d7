package token

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Sealed value layout: version (1 byte) | key id (4 bytes) | nonce (12
// bytes) | AES-256-GCM ciphertext and tag. The version and key id are the
// additional data of the seal, so a changed header fails to open as surely
// as a changed ciphertext.
const (
	sealVersion   = 1
	sealKeyIDLen  = 4
	sealHeaderLen = 1 + sealKeyIDLen
)

// HKDF info strings: one key for sealing, one public id per secret. They
// name their purpose so the same server secret never yields the same bytes
// for two uses (the Hasher keys HMAC with the raw secret).
const (
	sealKeyInfo = "gatehouse seal key v1"
	sealIDInfo  = "gatehouse seal key id v1"
)

// ErrUnsealable is returned by Open for a value no configured secret
// sealed, or one that was changed.
var ErrUnsealable = errors.New("token: sealed value cannot be opened (changed, or sealed under a secret not configured)")

// Sealer encrypts values that must be read back (webhook signing secrets)
// for storage: AES-256-GCM under a key derived with HKDF-SHA256 from the
// server secret. Like Hasher it takes the current secret, which seals
// everything new, and previous ones, which only open what they sealed, so
// --previous-secrets keeps stored values readable across a rotation.
// A Sealer is safe for concurrent use.
type Sealer struct {
	keys []sealKey // current first
}

type sealKey struct {
	id   [sealKeyIDLen]byte
	aead cipher.AEAD
}

// NewSealer returns a Sealer; current seals everything new, previous
// secrets are only used to open what they sealed. Secrets must not be empty
// (the server refuses to start without one).
func NewSealer(current string, previous ...string) (*Sealer, error) {
	s := &Sealer{}
	for _, secret := range append([]string{current}, previous...) {
		if secret == "" {
			return nil, errors.New("token: a sealer secret must not be empty")
		}
		k, err := deriveSealKey(secret)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, k)
	}
	return s, nil
}

func deriveSealKey(secret string) (sealKey, error) {
	var k sealKey
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, sealKeyInfo, 32)
	if err != nil {
		return k, fmt.Errorf("token: derive seal key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, []byte(secret), nil, sealIDInfo, sealKeyIDLen)
	if err != nil {
		return k, fmt.Errorf("token: derive seal key id: %w", err)
	}
	copy(k.id[:], id)
	block, err := aes.NewCipher(key)
	if err != nil {
		return k, fmt.Errorf("token: seal cipher: %w", err)
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return k, fmt.Errorf("token: seal cipher: %w", err)
	}
	return k, nil
}

// Seal encrypts plaintext under the current secret with a fresh random
// nonce: sealing one value twice gives two different results.
func (s *Sealer) Seal(plaintext []byte) ([]byte, error) {
	k := s.keys[0]
	out := make([]byte, sealHeaderLen, sealHeaderLen+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], k.id[:])
	nonce := out[sealHeaderLen : sealHeaderLen+k.aead.NonceSize()]
	out = out[:sealHeaderLen+k.aead.NonceSize()]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("token: seal nonce: %w", err)
	}
	return k.aead.Seal(out, nonce, plaintext, out[:sealHeaderLen]), nil
}

// Open decrypts a value Seal returned under the current or a previous
// secret. Anything else is ErrUnsealable.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	if len(sealed) < sealHeaderLen || sealed[0] != sealVersion {
		return nil, ErrUnsealable
	}
	header, rest := sealed[:sealHeaderLen], sealed[sealHeaderLen:]
	for _, k := range s.keys {
		// Key ids are 32 bits: two secrets may share one, so every key
		// with the id is tried (GCM's tag tells the right one).
		if !bytes.Equal(header[1:], k.id[:]) || len(rest) < k.aead.NonceSize()+k.aead.Overhead() {
			continue
		}
		nonce, ct := rest[:k.aead.NonceSize()], rest[k.aead.NonceSize():]
		if pt, err := k.aead.Open(nil, nonce, ct, header); err == nil {
			return pt, nil
		}
	}
	return nil, ErrUnsealable
}
