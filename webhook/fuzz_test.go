package webhook

import (
	"testing"
	"time"
)

// FuzzSignVerify checks that whatever Sign produces verifies, under any
// non-empty secret (base64 or not), id and body, and that a different body
// does not.
func FuzzSignVerify(f *testing.F) {
	for _, ka := range knownAnswers {
		f.Add(ka.secret, ka.id, ka.ts, []byte(ka.body))
	}
	f.Fuzz(func(t *testing.T, secret, id string, ts int64, body []byte) {
		if secret == "" || id == "" || ts < 0 || ts > 1<<40 {
			return
		}
		now := time.Unix(ts, 0)
		h := delivery(id, ts, Sign(secret, id, now, body))
		if err := VerifyAt(secret, h, body, now); err != nil {
			t.Fatalf("VerifyAt(%q, id %q, ts %d, %q) of its own signature: %v", secret, id, ts, body, err)
		}
		if err := VerifyAt(secret, h, append(body, 'x'), now); err == nil {
			t.Fatalf("VerifyAt(%q, id %q) accepted a changed body", secret, id)
		}
	})
}

// FuzzParse checks that Parse never panics and that an event it returns
// has a type, a timestamp and data.
func FuzzParse(f *testing.F) {
	f.Add(envelope(EventCustomerCreated, customerJSON))
	f.Add(envelope("order.created", `{}`))
	f.Add([]byte(`{"type":"customer.state_changed","timestamp":"2026-10-01T12:00:00Z","data":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := Parse(body)
		if err != nil {
			return
		}
		if e.Type == "" || len(e.Data) == 0 {
			t.Fatalf("Parse(%q) = %+v without type or data", body, e)
		}
	})
}
