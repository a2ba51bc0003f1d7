package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// knownAnswers were computed with the standardwebhooks npm package 1.1.1
// (the library Polar's SDK 0.x verifies with): std is
// new Webhook(secret).sign(id, ts, body), legacy is the same with
// new Webhook(base64(secret)), which is how @polar-sh/sdk 0.49's
// validateEvent builds its key. The first is the Standard Webhooks
// specification's own example.
var knownAnswers = []struct {
	name, secret, id string
	ts               int64
	body             string
	std, legacy      string // std is empty when the secret is not base64
}{
	{
		"specification example",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, `{"test": 2432232314}`,
		"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,TcxlhK9b6UD6iVI1ZU2tTqp8PEVfYRseNNfa6b+LcUg=",
	},
	{
		"Polar-format secret, 43 unpadded characters",
		"whsec_ovyN6cPrTv56AApvzCaJno08SSmGJmgbWilb33N2JuK", "3f2b1c4e-1d2a-4b5c-8d9e-0a1b2c3d4e5f", 1790000000,
		"{\"type\":\"customer.created\",\"timestamp\":\"2026-09-21T12:00:00Z\",\"data\":{\"name\":\"Zoë <x> & \u2028\"}}",
		"v1,hYmKSmWsLtJW9y0EWq+YcZRcvlf7CmQEZ6H+gnhMAgU=", "v1,bsMyMDiUx06GYTb1CWQT+UE7XpArPCVHhWtlSJ+Veq0=",
	},
	{
		"legacy secret, not base64",
		"polar_whs_legacySecretNotBase64!", "evt_1", 1700000000, `{}`,
		"", "v1,1cDVcmW898OMKONh7CbzCaoa4AjPRuRto2Oj/u9DlPw=",
	},
}

// delivery returns the headers of a delivery signed with signature.
func delivery(id string, ts int64, signature string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, signature)
	return h
}

func TestSignKnownAnswers(t *testing.T) {
	for _, ka := range knownAnswers {
		want := ka.legacy
		if ka.std != "" {
			want = ka.std + " " + ka.legacy
		}
		if got := Sign(ka.secret, ka.id, time.Unix(ka.ts, 0), []byte(ka.body)); got != want {
			t.Errorf("%s: Sign(%q, %q, %d, %q)\n got %s\nwant %s", ka.name, ka.secret, ka.id, ka.ts, ka.body, got, want)
		}
	}
}

func TestVerifyKnownAnswers(t *testing.T) {
	for _, ka := range knownAnswers {
		now := time.Unix(ka.ts, 0)
		for _, sig := range []string{ka.std, ka.legacy, ka.std + " " + ka.legacy, ka.legacy + " " + ka.std} {
			if strings.TrimSpace(sig) == "" {
				continue
			}
			if err := VerifyAt(ka.secret, delivery(ka.id, ka.ts, sig), []byte(ka.body), now); err != nil {
				t.Errorf("%s: VerifyAt with signature %q: %v", ka.name, sig, err)
			}
		}
	}
}

func TestVerifyTolerance(t *testing.T) {
	const secret, id, body = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", `{"a":1}`
	ts := time.Unix(1790000000, 0)
	h := delivery(id, ts.Unix(), Sign(secret, id, ts, []byte(body)))
	for _, tc := range []struct {
		now  time.Time
		want error
	}{
		{ts, nil},
		{ts.Add(Tolerance), nil},
		{ts.Add(Tolerance + 999*time.Millisecond), nil}, // the clock is read in whole seconds
		{ts.Add(Tolerance + time.Second), ErrTimestamp},
		{ts.Add(-Tolerance), nil},
		{ts.Add(-Tolerance - time.Second), ErrTimestamp},
		{ts.Add(-24 * time.Hour), ErrTimestamp},
	} {
		if err := VerifyAt(secret, h, []byte(body), tc.now); !errors.Is(err, tc.want) {
			t.Errorf("VerifyAt at %+ds: got %v, want %v", tc.now.Unix()-ts.Unix(), err, tc.want)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	const secret, id, body = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", `{"a":1}`
	ts := time.Unix(1790000000, 0)
	sig := Sign(secret, id, ts, []byte(body))
	std, legacy, _ := strings.Cut(sig, " ")
	tss := strconv.FormatInt(ts.Unix(), 10)
	with := func(key, value string) http.Header {
		h := delivery(id, ts.Unix(), sig)
		if value == "" {
			h.Del(key)
		} else {
			h.Set(key, value)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		secret string
		header http.Header
		body   string
		want   error
	}{
		{"tampered body", secret, with(HeaderSignature, sig), `{"a":2}`, ErrSignature},
		{"body with a trailing newline", secret, with(HeaderSignature, sig), body + "\n", ErrSignature},
		{"tampered id", secret, with(HeaderID, "msg_2"), body, ErrSignature},
		{"tampered timestamp", secret, with(HeaderTimestamp, strconv.FormatInt(ts.Unix()+1, 10)), body, ErrSignature},
		{"wrong secret", "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32)), with(HeaderSignature, sig), body, ErrSignature},
		{"empty secret", "", with(HeaderSignature, sig), body, ErrSignature},
		{"other scheme", secret, with(HeaderSignature, "v1a,"+strings.TrimPrefix(std, "v1,")), body, ErrSignature},
		{"no scheme", secret, with(HeaderSignature, strings.TrimPrefix(legacy, "v1,")), body, ErrSignature},
		{"truncated signature", secret, with(HeaderSignature, std[:len(std)-2]), body, ErrSignature},
		{"signature of the id alone", secret, with(HeaderSignature, "v1,"), body, ErrSignature},
		{"no id", secret, with(HeaderID, ""), body, ErrMissingHeaders},
		{"no timestamp", secret, with(HeaderTimestamp, ""), body, ErrMissingHeaders},
		{"no signature", secret, with(HeaderSignature, ""), body, ErrMissingHeaders},
		{"timestamp not a number", secret, with(HeaderTimestamp, "soon"), body, ErrTimestamp},
		{"timestamp with a sign", secret, with(HeaderTimestamp, "+"+tss), body, ErrTimestamp},
		{"timestamp with a fraction", secret, with(HeaderTimestamp, tss+".5"), body, ErrTimestamp},
		{"timestamp negative", secret, with(HeaderTimestamp, "-"+tss), body, ErrTimestamp},
		{"timestamp too long", secret, with(HeaderTimestamp, strings.Repeat("9", 30)), body, ErrTimestamp},
	} {
		err := VerifyAt(tc.secret, tc.header, []byte(tc.body), ts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestVerifyRotation(t *testing.T) {
	oldSecret, newSecret := NewSecret(), NewSecret()
	const id, body = "evt_1", `{"type":"customer.updated"}`
	ts := time.Unix(1790000000, 0)
	sig := Sign(newSecret, id, ts, []byte(body)) + " " + Sign(oldSecret, id, ts, []byte(body))
	if n := strings.Count(sig, "v1,"); n != 4 {
		t.Fatalf("rotation header %q has %d signatures, want 4 (two pairs)", sig, n)
	}
	for _, secret := range []string{oldSecret, newSecret} {
		if err := VerifyAt(secret, delivery(id, ts.Unix(), sig), []byte(body), ts); err != nil {
			t.Errorf("secret %s: %v", secret, err)
		}
	}
	if err := VerifyAt(NewSecret(), delivery(id, ts.Unix(), sig), []byte(body), ts); !errors.Is(err, ErrSignature) {
		t.Errorf("a third secret: got %v, want ErrSignature", err)
	}
	// A signature in a second webhook-signature header line counts too.
	h := delivery(id, ts.Unix(), Sign(newSecret, id, ts, []byte(body)))
	h.Add(HeaderSignature, Sign(oldSecret, id, ts, []byte(body)))
	if err := VerifyAt(oldSecret, h, []byte(body), ts); err != nil {
		t.Errorf("signature on a second header line: %v", err)
	}
}

// TestVerifyEachKeyAlone shows that either key alone verifies: a receiver
// that knows the secret needs no knowledge of which key its sender used.
func TestVerifyEachKeyAlone(t *testing.T) {
	secret := NewSecret()
	const id, body = "evt_1", `{}`
	ts := time.Unix(1790000000, 0)
	std, legacy, ok := strings.Cut(Sign(secret, id, ts, []byte(body)), " ")
	if !ok {
		t.Fatalf("Sign(NewSecret()) gave one signature, want two")
	}
	for _, sig := range []string{std, legacy, "v1,bm9wZQ== " + legacy, "v1a,x " + std} {
		if err := VerifyAt(secret, delivery(id, ts.Unix(), sig), []byte(body), ts); err != nil {
			t.Errorf("signature %q: %v", sig, err)
		}
	}
}

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if a == b {
		t.Fatalf("NewSecret twice gave %s", a)
	}
	rest, ok := strings.CutPrefix(a, SecretPrefix)
	if !ok {
		t.Fatalf("NewSecret() = %s, want the prefix %s", a, SecretPrefix)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(rest)
	if err != nil || len(key) != 32 {
		t.Fatalf("NewSecret() = %s: decodes to %d bytes, %v; want 32 bytes of standard base64", a, len(key), err)
	}
}

func TestStandardKey(t *testing.T) {
	for _, tc := range []struct {
		secret string
		want   string // "" for none
	}{
		{"whsec_YQ==", "a"},
		{"whsec_YQ", "a"},   // atob accepts missing padding
		{"whsec_YR==", "a"}, // and ignores the unused bits
		{"YQ==", "a"},       // no prefix: the whole secret is the base64
		{"whsec_YWJj", "abc"},
		{"whsec_a", ""}, // one character short of a byte
		{"whsec_", ""},  // an empty key is no key
		{"whsec_YQ=", ""},
		{"whsec_Y Q==", ""},
		{"whsec_YQ==\n", ""},
		{"whsec_-_8=", ""}, // URL alphabet is not base64 here
		{"polar_whs_abc", ""},
	} {
		if got := string(standardKey(tc.secret)); got != tc.want {
			t.Errorf("standardKey(%q) = %q, want %q", tc.secret, got, tc.want)
		}
	}
}
