package webhooks

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/webhook"
)

// The Standard Webhooks reference test vector (standard-webhooks/
// standard-webhooks, libraries' tests); package webhook checks Sign
// against it in full, this checks the header keeps the current secret's
// pair first.
const (
	vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTS     = 1614265330
	vectorBody   = `{"test": 2432232314}`
	vectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// TestSignaturesRotation: during an overlap the header carries both
// secrets' pairs, current first, and a receiver holding either verifies.
func TestSignaturesRotation(t *testing.T) {
	old, cur := "whsec_"+base64.StdEncoding.EncodeToString(make([]byte, 32)), vectorSecret
	ts := time.Unix(vectorTS, 0)
	got := signatures([]string{cur, old}, vectorID, ts, []byte(vectorBody))
	parts := strings.Split(got, " ")
	if len(parts) != 4 || parts[0] != vectorSig {
		t.Fatalf("signatures(current, previous) = %q, want 4 entries starting with the current secret's", got)
	}
	h := http.Header{}
	h.Set(webhook.HeaderID, vectorID)
	h.Set(webhook.HeaderTimestamp, strconv.Itoa(vectorTS))
	h.Set(webhook.HeaderSignature, got)
	for _, s := range []string{cur, old} {
		if err := webhook.VerifyAt(s, h, []byte(vectorBody), ts); err != nil {
			t.Errorf("VerifyAt(%.12s…) = %v, want both secrets to verify during the overlap", s, err)
		}
	}
	if err := webhook.VerifyAt(webhook.NewSecret(), h, []byte(vectorBody), ts); err == nil {
		t.Errorf("a third secret verified")
	}
}
