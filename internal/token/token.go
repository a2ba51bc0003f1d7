// Package token makes and checks Gatehouse's bearer tokens and login codes
// and computes the HMAC digests that are stored in their place.
//
// A token is prefix + 37 random base-62 characters + a 6-character base-62
// CRC-32 checksum of those 37 characters. The checksum lets a typo or a
// tampered token be rejected without touching the database, and lets secret
// scanners tell real tokens from look-alikes.
package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"hash/crc32"
	"strings"
	"sync"
)

// Token prefixes, one per kind of credential.
const (
	PrefixOrganization = "gatehouse_oat_" // organization access token
	PrefixSession      = "gatehouse_cst_" // customer session token
)

// Prefixes lists every prefix Gatehouse issues.
var Prefixes = []string{PrefixOrganization, PrefixSession}

const (
	alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	randomLen   = 37
	checksumLen = 6
	// BodyLen is the length of a token after its prefix.
	BodyLen = randomLen + checksumLen

	codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	// CodeLen is the length of a login code.
	CodeLen = 6
)

// New returns a fresh token with the given prefix.
func New(prefix string) string {
	b := make([]byte, 0, len(prefix)+BodyLen)
	b = append(b, prefix...)
	b = appendRandom(b, alphabet, randomLen)
	b = appendChecksum(b, b[len(prefix):])
	return string(b)
}

// NewCode returns a fresh 6-character login code from A-Z and 0-9.
func NewCode() string {
	return string(appendRandom(nil, codeAlphabet, CodeLen))
}

// appendRandom appends n characters drawn uniformly from alpha with a CSPRNG
// (rejection sampling, so there is no modulo bias).
func appendRandom(dst []byte, alpha string, n int) []byte {
	limit := byte(256 - 256%len(alpha))
	var buf [64]byte
	for n > 0 {
		if _, err := rand.Read(buf[:]); err != nil {
			panic("token: crypto/rand failed: " + err.Error()) // never happens on supported systems
		}
		for _, c := range buf {
			if c >= limit {
				continue
			}
			dst = append(dst, alpha[int(c)%len(alpha)])
			if n--; n == 0 {
				break
			}
		}
	}
	return dst
}

// appendChecksum appends the 6-character base-62 CRC-32 of body.
func appendChecksum(dst, body []byte) []byte {
	crc := crc32.ChecksumIEEE(body)
	var out [checksumLen]byte
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = alphabet[crc%62]
		crc /= 62
	}
	return append(dst, out[:]...)
}

// Parse checks that tok is a well-formed Gatehouse token: a known prefix,
// 43 base-62 characters, and a matching checksum. It returns the prefix.
// It does no I/O and allocates nothing.
func Parse(tok string) (prefix string, ok bool) {
	for _, p := range Prefixes {
		if strings.HasPrefix(tok, p) {
			prefix = p
			break
		}
	}
	if prefix == "" || len(tok) != len(prefix)+BodyLen {
		return prefix, false
	}
	body := tok[len(prefix):]
	for i := 0; i < len(body); i++ {
		if !isBase62(body[i]) {
			return prefix, false
		}
	}
	crc := crc32.ChecksumIEEE([]byte(body[:randomLen]))
	for i := BodyLen - 1; i >= randomLen; i-- {
		if body[i] != alphabet[crc%62] {
			return prefix, false
		}
		crc /= 62
	}
	return prefix, crc == 0
}

// ValidCode reports whether s has the shape of a login code.
func ValidCode(s string) bool {
	if len(s) != CodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isBase62(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// Hasher computes HMAC-SHA256 digests of tokens and codes under the current
// secret and any previous ones (for rotation without mass logout).
type Hasher struct {
	pools []*sync.Pool // one per secret, current first
}

// NewHasher returns a Hasher; current signs everything new, previous secrets
// are only used to recognise what they signed.
func NewHasher(current string, previous ...string) *Hasher {
	h := &Hasher{}
	for _, s := range append([]string{current}, previous...) {
		key := []byte(s)
		h.pools = append(h.pools, &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }})
	}
	return h
}

// Hash returns the lowercase hex digest of s under the current secret: the
// value to store.
func (h *Hasher) Hash(s string) string {
	return h.digest(0, s)
}

// Hashes returns the digests of s under every secret, current first: the
// values to look up.
func (h *Hasher) Hashes(s string) []string {
	out := make([]string, len(h.pools))
	for i := range h.pools {
		out[i] = h.digest(i, s)
	}
	return out
}

func (h *Hasher) digest(i int, s string) string {
	m := h.pools[i].Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(s))
	var sum [sha256.Size]byte
	out := hex.EncodeToString(m.Sum(sum[:0]))
	h.pools[i].Put(m)
	return out
}

// Redact returns a form of tok safe to log: its prefix and last 4 characters.
func Redact(tok string) string {
	if len(tok) < 8 {
		return "[redacted]"
	}
	for _, p := range Prefixes {
		if strings.HasPrefix(tok, p) {
			return p + "…" + tok[len(tok)-4:]
		}
	}
	return "[redacted]"
}
