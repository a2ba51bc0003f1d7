package token

import (
	"strings"
	"testing"
)

func TestChecksumVectors(t *testing.T) {
	// Vectors from the token format: CRC-32 of the random part in base 62.
	for _, tc := range []struct{ random, want string }{
		{"abcdefghijklmnopqrstuvwxyzABCDEFGHIJK", "4WQsSZ"},
		{"0123456789012345678901234567890123456", "0fT9V2"},
	} {
		got := string(appendChecksum(nil, []byte(tc.random)))
		if got != tc.want {
			t.Errorf("checksum(%q) = %q, want %q", tc.random, got, tc.want)
		}
		tok := PrefixSession + tc.random + tc.want
		if p, ok := Parse(tok); !ok || p != PrefixSession {
			t.Errorf("Parse(%q) = %q, %v; want %q, true", tok, p, ok, PrefixSession)
		}
	}
}

func TestNewParses(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Prefixes {
		for range 200 {
			tok := New(p)
			if len(tok) != len(p)+BodyLen {
				t.Fatalf("len(%q) = %d", tok, len(tok))
			}
			if got, ok := Parse(tok); !ok || got != p {
				t.Fatalf("Parse(New(%q)) = %q, %v", p, got, ok)
			}
			if seen[tok] {
				t.Fatalf("duplicate token %q", tok)
			}
			seen[tok] = true
		}
	}
}

func TestParseRejects(t *testing.T) {
	good := New(PrefixSession)
	flip := []byte(good)
	i := len(PrefixSession) + 5
	if flip[i] == 'a' {
		flip[i] = 'b'
	} else {
		flip[i] = 'a'
	}
	for name, tok := range map[string]string{
		"empty":          "",
		"prefix only":    PrefixSession,
		"unknown prefix": "polar_cst_" + good[len(PrefixSession):],
		"one char off":   string(flip),
		"truncated":      good[:len(good)-1],
		"extended":       good + "a",
		"non base62":     good[:len(good)-7] + "-" + good[len(good)-6:],
		"bad checksum":   good[:len(good)-1] + string(rune(good[len(good)-1])^1),
		"nul":            good[:20] + "\x00" + good[21:],
	} {
		if _, ok := Parse(tok); ok {
			t.Errorf("%s: Parse(%q) accepted", name, tok)
		}
	}
}

func TestCode(t *testing.T) {
	counts := map[byte]int{}
	for range 2000 {
		c := NewCode()
		if !ValidCode(c) {
			t.Fatalf("NewCode() = %q, not a valid code", c)
		}
		for i := range len(c) {
			counts[c[i]]++
		}
	}
	if len(counts) != len(codeAlphabet) {
		t.Errorf("codes used %d distinct characters, want %d", len(counts), len(codeAlphabet))
	}
	for _, bad := range []string{"", "abc123", "ABC12", "ABC1234", "ABC-12"} {
		if ValidCode(bad) {
			t.Errorf("ValidCode(%q) = true", bad)
		}
	}
}

func TestHasher(t *testing.T) {
	// Digest vectors: HMAC-SHA256 with the secret "super secret jwt secret".
	h := NewHasher("super secret jwt secret")
	tok := "polar_cst_abcdefghijklmnopqrstuvwxyzABCDEFGHIJK4WQsSZ"
	if got, want := h.Hash(tok), "1c82408a6e143f0a00234c42623b885c0f0a07a5fff2b892b637074bd994ed3d"; got != want {
		t.Errorf("Hash(token) = %s, want %s", got, want)
	}
	if got, want := h.Hash("A1B2C3"), "c21eea283675443893840e9221f16826a5bdc763d455fd8f6ba9923cd27ae3e5"; got != want {
		t.Errorf("Hash(code) = %s, want %s", got, want)
	}
	r := NewHasher("new", "super secret jwt secret")
	hs := r.Hashes(tok)
	if len(hs) != 2 || hs[1] != h.Hash(tok) || hs[0] == hs[1] || hs[0] != r.Hash(tok) {
		t.Errorf("Hashes under rotation = %v", hs)
	}
}

// TestSum checks that Sum is Hash before hex encoding, under the current
// secret, for tokens and for inputs longer than the pooled scratch space,
// and that neither Sum nor Parse allocates.
func TestSum(t *testing.T) {
	r := NewHasher("new", "old")
	for _, s := range []string{New(PrefixSession), "A1B2C3", "", strings.Repeat("x", 1000)} {
		if got, want := r.Sum(s).String(), r.Hash(s); got != want {
			t.Errorf("Sum(%.20q) = %s, want %s", s, got, want)
		}
	}
	tok := New(PrefixSession)
	if raceEnabled {
		return
	}
	if n := testing.AllocsPerRun(100, func() { r.Sum(tok) }); n != 0 {
		t.Errorf("Sum allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { Parse(tok) }); n != 0 {
		t.Errorf("Parse allocates %v times", n)
	}
}

func TestRedact(t *testing.T) {
	tok := New(PrefixOrganization)
	r := Redact(tok)
	if strings.Contains(r, tok[len(PrefixOrganization):len(tok)-4]) || !strings.HasPrefix(r, PrefixOrganization) {
		t.Errorf("Redact(%q) = %q", tok, r)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(New(PrefixSession))
	f.Add(New(PrefixOrganization))
	f.Add("gatehouse_cst_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := Parse(s)
		if ok && (len(s) != len(p)+BodyLen || !strings.HasPrefix(s, p)) {
			t.Fatalf("Parse(%q) accepted a malformed token", s)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	tok := New(PrefixSession)
	b.ReportAllocs()
	for b.Loop() {
		Parse(tok)
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher("secret")
	tok := New(PrefixSession)
	b.ReportAllocs()
	for b.Loop() {
		h.Hash(tok)
	}
}

func BenchmarkSum(b *testing.B) {
	h := NewHasher("secret")
	tok := New(PrefixSession)
	b.ReportAllocs()
	for b.Loop() {
		h.Sum(tok)
	}
}
