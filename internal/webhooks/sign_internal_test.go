package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks reference test vector (standard-webhooks/
// standard-webhooks, libraries' tests): it checks the standard half of
// sign against an independent implementation.
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTS     = 1614265330
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSign(t *testing.T) {
	got := sign(vectorSecret, vectorID, time.Unix(vectorTS, 0), []byte(vectorBody))
	parts := strings.Split(got, " ")
	if len(parts) != 2 {
		t.Fatalf("sign = %q, want two signatures", got)
	}
	if parts[0] != vectorSig {
		t.Errorf("standard signature = %q, want %q (the Standard Webhooks vector)", parts[0], vectorSig)
	}
	h := hmac.New(sha256.New, []byte(vectorSecret))
	h.Write([]byte(vectorID + ".1614265330." + vectorBody))
	if want := "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil)); parts[1] != want {
		t.Errorf("legacy signature = %q, want %q (key = the whole secret's bytes)", parts[1], want)
	}
}

func TestSignLegacyOnly(t *testing.T) {
	// A secret whose rest is not base64 (an old hand-set secret) gets only
	// Polar's legacy signature.
	for _, secret := range []string{"whsec_not base64!", "a-hand-set-secret-of-thirty-two-chars", "whsec_"} {
		got := sign(secret, "id", time.Unix(1, 0), []byte("{}"))
		h := hmac.New(sha256.New, []byte(secret))
		h.Write([]byte("id.1.{}"))
		if want := "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("sign(%q) = %q, want only the legacy %q", secret, got, want)
		}
	}
}

func TestSignaturesRotation(t *testing.T) {
	old, cur := "whsec_"+base64.StdEncoding.EncodeToString(make([]byte, 32)), vectorSecret
	got := signatures([]string{cur, old}, vectorID, time.Unix(vectorTS, 0), []byte(vectorBody))
	parts := strings.Split(got, " ")
	if len(parts) != 4 || parts[0] != vectorSig {
		t.Fatalf("signatures(current, previous) = %q, want 4 entries starting with the current secret's", got)
	}
	if want := sign(old, vectorID, time.Unix(vectorTS, 0), []byte(vectorBody)); strings.Join(parts[2:], " ") != want {
		t.Errorf("previous secret's pair = %q, want %q", strings.Join(parts[2:], " "), want)
	}
}
