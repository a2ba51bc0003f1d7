package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// sign returns the webhook-signature value of one secret for a delivery:
// "v1,<standard> v1,<legacy>", where the standard key is the base64
// decoding of the part after "whsec_" (present only when that part is
// valid base64) and the legacy key, Polar's, is the UTF-8 bytes of the
// whole secret. Each is base64(HMAC-SHA256(key, id + "." + unix seconds +
// "." + body)).
//
// TODO(webhook): this is the behaviour of the public package webhook's
// Sign(secret, id, ts, body), written on another branch; replace sign with
// webhook.Sign once it is merged, so one function signs and verifies.
func sign(secret, id string, ts time.Time, body []byte) string {
	msg := make([]byte, 0, len(id)+len(body)+24)
	msg = append(msg, id...)
	msg = append(msg, '.')
	msg = strconv.AppendInt(msg, ts.Unix(), 10)
	msg = append(msg, '.')
	msg = append(msg, body...)
	legacy := "v1," + mac([]byte(secret), msg)
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if key, err := base64.StdEncoding.DecodeString(rest); err == nil && len(key) > 0 {
			return "v1," + mac(key, msg) + " " + legacy
		}
	}
	return legacy
}

func mac(key, msg []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// signatures is the webhook-signature header of a delivery at ts: the
// signature of each secret, joined by a space (during a rotation's overlap
// the previous secret's pair follows the current one's).
func signatures(secrets []string, id string, ts time.Time, body []byte) string {
	parts := make([]string, len(secrets))
	for i, s := range secrets {
		parts[i] = sign(s, id, ts, body)
	}
	return strings.Join(parts, " ")
}
