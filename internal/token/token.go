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
	crc := ^uint32(0) // crc32.ChecksumIEEE without the []byte copy
	for i := 0; i < randomLen; i++ {
		crc = crc32.IEEETable[byte(crc)^body[i]] ^ crc>>8
	}
	crc = ^crc
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
	pools []*sync.Pool // one per secret, current first; of *mac
}

// mac is a pooled HMAC with scratch space, so that hashing a string
// allocates nothing: the input is copied into buf and the sum lands in sum.
type mac struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

// Digest is a raw HMAC-SHA256 digest; its lowercase hex form is what Hash
// returns and what the stores keep.
type Digest [sha256.Size]byte

// String returns d in lowercase hex, as Hash does.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// NewHasher returns a Hasher; current signs everything new, previous secrets
// are only used to recognise what they signed.
func NewHasher(current string, previous ...string) *Hasher {
	h := &Hasher{}
	for _, s := range append([]string{current}, previous...) {
		key := []byte(s)
		h.pools = append(h.pools, &sync.Pool{New: func() any { return &mac{h: hmac.New(sha256.New, key)} }})
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

// Sum returns the raw digest of s under the current secret: Hash(s)
// before hex encoding. It allocates nothing.
func (h *Hasher) Sum(s string) Digest {
	return h.sum(0, s)
}

func (h *Hasher) digest(i int, s string) string {
	d := h.sum(i, s)
	return hex.EncodeToString(d[:])
}

func (h *Hasher) sum(i int, s string) Digest {
	m := h.pools[i].Get().(*mac)
	m.h.Reset()
	m.buf = append(m.buf[:0], s...)
	m.h.Write(m.buf)
	d := Digest(m.h.Sum(m.sum[:0]))
	if cap(m.buf) > 256 { // a long code or token: do not keep it pooled
		m.buf = nil
	}
	h.pools[i].Put(m)
	return d
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
