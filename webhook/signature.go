// Package webhook receives Gatehouse's webhooks in Go: Verify checks a
// delivery's signature, Parse decodes its body into an Event with typed
// accessors for the customer and customer-session events.
//
// Deliveries follow Standard Webhooks (https://www.standardwebhooks.com)
// the way Polar sends them, so the same code verifies Polar's own
// deliveries too. Three headers travel with each: webhook-id (the event's
// id, the same on every retry, so it works as an idempotency key),
// webhook-timestamp (Unix seconds when the attempt was made) and
// webhook-signature, one or more space-separated "v1,<base64 HMAC-SHA256>"
// of "<id>.<timestamp>.<body>". Two keys are in use for one secret:
//
//   - the legacy Polar key: the UTF-8 bytes of the whole secret string,
//     prefix included, which Polar's SDK 0.x and its framework adapters
//     verify with;
//   - the Standard Webhooks key: the base64 decoding of the secret after its
//     "whsec_" prefix, which Standard Webhooks libraries and Polar's SDK 1.x
//     verify with.
//
// Gatehouse signs each delivery under both (and, for a day after a secret
// is rotated, under the previous secret too); Verify accepts a signature
// under either key. Sign is the implementation the server itself uses.
//
// The package imports only the standard library and apitype.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery, as Standard Webhooks names them.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a delivery's timestamp may be from the receiver's
// clock, in either direction, as in Standard Webhooks and Polar's SDKs.
// Every attempt is signed afresh, so a retry is never too old.
const Tolerance = 5 * time.Minute

// SecretPrefix starts every secret NewSecret makes.
const SecretPrefix = "whsec_"

// Errors Verify wraps, so a receiver can tell them apart with errors.Is.
var (
	// ErrMissingHeaders: a webhook-id, webhook-timestamp or
	// webhook-signature header is missing or empty.
	ErrMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature header")
	// ErrTimestamp: webhook-timestamp is not a number of seconds, or is
	// more than Tolerance away from now.
	ErrTimestamp = errors.New("webhook: bad timestamp")
	// ErrSignature: no v1 signature matches under either key of the secret
	// (or the secret is empty).
	ErrSignature = errors.New("webhook: no matching signature")
)

// Verify checks that header and body are a delivery signed with secret and
// made within Tolerance of now. It returns nil, or an error wrapping
// ErrMissingHeaders, ErrTimestamp or ErrSignature. body must be the request
// body exactly as received.
func Verify(secret string, header http.Header, body []byte) error {
	return VerifyAt(secret, header, body, time.Now())
}

// VerifyAt is Verify with the receiver's clock reading now.
func VerifyAt(secret string, header http.Header, body []byte, now time.Time) error {
	id := header.Get(HeaderID)
	tsText := header.Get(HeaderTimestamp)
	sigs := header.Values(HeaderSignature)
	if id == "" || tsText == "" || len(sigs) == 0 || sigs[0] == "" {
		return ErrMissingHeaders
	}
	ts, err := parseTimestamp(tsText)
	if err != nil {
		return err
	}
	tol := int64(Tolerance / time.Second)
	switch age := now.Unix() - ts; {
	case age > tol:
		return fmt.Errorf("%w: %s is %ds old, more than %v", ErrTimestamp, tsText, age, Tolerance)
	case age < -tol:
		return fmt.Errorf("%w: %s is %ds ahead, more than %v", ErrTimestamp, tsText, -age, Tolerance)
	}
	if secret == "" {
		return fmt.Errorf("%w: the secret is empty", ErrSignature)
	}
	var want [][]byte
	for _, key := range keys(secret) {
		want = append(want, []byte(signature(key, id, ts, body)))
	}
	for _, value := range sigs {
		for entry := range strings.SplitSeq(value, " ") {
			if !strings.HasPrefix(entry, "v1,") {
				continue // another scheme (v1a) or an empty entry
			}
			for _, w := range want { // w is "v1," + the signature too
				if hmac.Equal([]byte(entry), w) {
					return nil
				}
			}
		}
	}
	return fmt.Errorf("%w for webhook-id %q", ErrSignature, id)
}

// parseTimestamp reads webhook-timestamp: decimal Unix seconds.
func parseTimestamp(s string) (int64, error) {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q is not a number of seconds", ErrTimestamp, s)
		}
	}
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a number of seconds", ErrTimestamp, s)
	}
	return ts, nil
}

// Sign returns the webhook-signature header value for a delivery of body
// with webhook-id id at time ts: "v1,<standard> v1,<legacy>" when secret has
// a Standard Webhooks key (its part after "whsec_" is base64), otherwise
// only "v1,<legacy>". During a secret rotation, join the values Sign gives
// for each secret with a space.
func Sign(secret, id string, ts time.Time, body []byte) string {
	var b strings.Builder
	for i, key := range keys(secret) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(signature(key, id, ts.Unix(), body))
	}
	return b.String()
}

// signature is "v1," + base64(HMAC-SHA256(key, "<id>.<ts>.<body>")).
func signature(key []byte, id string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// keys returns the HMAC keys of secret: the Standard Webhooks key first,
// when there is one, then the legacy Polar key.
func keys(secret string) [][]byte {
	legacy := []byte(secret)
	if std := standardKey(secret); std != nil {
		return [][]byte{std, legacy}
	}
	return [][]byte{legacy}
}

// standardKey decodes the part of secret after "whsec_" (all of it when
// there is no prefix) as base64, or returns nil. It decodes as JavaScript's
// atob does, which is what Polar's SDK 1.x uses: padding may be left out
// (Polar's own secrets are 43 unpadded characters, which the JavaScript
// standardwebhooks library also accepts); for a padded secret, such as
// NewSecret's, it is plain standard base64. An empty key is no key.
func standardKey(secret string) []byte {
	s := strings.TrimPrefix(secret, SecretPrefix)
	if len(s)%4 == 0 {
		s = strings.TrimSuffix(s, "=")
		s = strings.TrimSuffix(s, "=")
	}
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return nil
		}
	}
	key, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil
	}
	return key
}

// NewSecret returns a new secret: "whsec_" and the standard base64 of 32
// random bytes, so any Standard Webhooks library accepts it.
func NewSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:])
}
