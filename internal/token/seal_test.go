package token_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

var _ gatehouse.Sealer = (*token.Sealer)(nil)

func mustSealer(t *testing.T, current string, previous ...string) *token.Sealer {
	t.Helper()
	s, err := token.NewSealer(current, previous...)
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func TestSealRoundTrip(t *testing.T) {
	s := mustSealer(t, "server-secret")
	for _, pt := range [][]byte{[]byte("whsec_c2VjcmV0LXNpZ25pbmcta2V5LW9mLTMyLWJ5dGVzISE="), {}, bytes.Repeat([]byte{0}, 1000)} {
		sealed, err := s.Seal(pt)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		got, err := s.Open(sealed)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("Open(Seal(%q)): got %q, %v; want the plaintext", pt, got, err)
		}
	}
}

func TestSealHidesPlaintext(t *testing.T) {
	s := mustSealer(t, "server-secret")
	pt := []byte("whsec_plaintext-that-must-not-show")
	a, _ := s.Seal(pt)
	b, _ := s.Seal(pt)
	if bytes.Contains(a, pt) || bytes.Contains(a, []byte("plaintext")) {
		t.Fatalf("sealed value %x contains the plaintext", a)
	}
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
}

func TestSealTamper(t *testing.T) {
	s := mustSealer(t, "server-secret")
	sealed, _ := s.Seal([]byte("whsec_abc"))
	for i := range sealed {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		if got, err := s.Open(c); !errors.Is(err, token.ErrUnsealable) {
			t.Fatalf("Open with byte %d flipped: got %q, %v; want ErrUnsealable", i, got, err)
		}
	}
	for _, bad := range [][]byte{nil, {1}, sealed[:10], sealed[:len(sealed)-1]} {
		if _, err := s.Open(bad); !errors.Is(err, token.ErrUnsealable) {
			t.Fatalf("Open(%x): got %v, want ErrUnsealable", bad, err)
		}
	}
}

func TestSealRotation(t *testing.T) {
	old := mustSealer(t, "old-secret")
	sealed, _ := old.Seal([]byte("whsec_abc"))
	rotated := mustSealer(t, "new-secret", "old-secret")
	got, err := rotated.Open(sealed)
	if err != nil || string(got) != "whsec_abc" {
		t.Fatalf("Open under a previous secret: got %q, %v; want whsec_abc", got, err)
	}
	fresh, _ := rotated.Seal([]byte("whsec_new"))
	if _, err := old.Open(fresh); !errors.Is(err, token.ErrUnsealable) {
		t.Fatalf("old-only sealer opened a value sealed under the new secret: %v", err)
	}
	if got, err := mustSealer(t, "new-secret").Open(fresh); err != nil || string(got) != "whsec_new" {
		t.Fatalf("new secret opens its seal: got %q, %v", got, err)
	}
}

func TestSealWrongKey(t *testing.T) {
	sealed, _ := mustSealer(t, "secret-a").Seal([]byte("whsec_abc"))
	if got, err := mustSealer(t, "secret-b", "secret-c").Open(sealed); !errors.Is(err, token.ErrUnsealable) {
		t.Fatalf("Open under unrelated secrets: got %q, %v; want ErrUnsealable", got, err)
	}
	if _, err := token.NewSealer(""); err == nil {
		t.Fatal("NewSealer(\"\"): got nil error")
	}
}
