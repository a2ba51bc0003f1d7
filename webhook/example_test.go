package webhook_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/webhook"
)

// A receiver verifies the delivery over the body exactly as it arrived,
// then decodes it. The webhook-id header is the same on every retry of an
// event: use it to skip an event already handled.
func Example() {
	secret := webhook.NewSecret() // in a real receiver: the endpoint's secret, from configuration

	receiver := func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header, body); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		event, err := webhook.Parse(body)
		if err != nil {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		if c, err := event.Customer(); err == nil {
			fmt.Println(event.Type, *c.Email)
		}
		w.WriteHeader(http.StatusNoContent)
	}

	// What Gatehouse sends, and the same delivery with a tampered body.
	body := `{"type":"customer.created","timestamp":"2026-10-01T12:00:00Z","data":{"id":"c_1",` +
		`"created_at":"2026-10-01T12:00:00Z","email":"ada@example.com","type":"individual"}}`
	for _, sent := range []string{body, strings.Replace(body, "ada@", "eve@", 1)} {
		req := httptest.NewRequest("POST", "/webhooks/gatehouse", strings.NewReader(sent))
		now := time.Now()
		req.Header.Set(webhook.HeaderID, "evt_1")
		req.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(now.Unix()))
		req.Header.Set(webhook.HeaderSignature, webhook.Sign(secret, "evt_1", now, []byte(body)))
		rec := httptest.NewRecorder()
		receiver(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// customer.created ada@example.com
	// 204
	// 401
}
