package gatehouse

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns a random UUID version 4 in its lowercase hyphenated form.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gatehouse: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return UUIDv4(b)
}

// UUIDv4 turns 16 random bytes into a UUID version 4 (setting the version
// and variant bits) in its lowercase hyphenated form.
func UUIDv4(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}
