package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

func TestWebhookRequestEncoding(t *testing.T) {
	ctx := context.Background()
	c, rec := mustServer(t, 200, nil, `{"id":"e1","created_at":"2026-01-02T03:04:05Z","events":[],"items":[]}`)

	if _, err := c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: "https://e.com/h", Format: "raw"}); err != nil {
		t.Fatal(err)
	}
	if rec.method != http.MethodPost || rec.rawPath != "/v1/webhooks/endpoints" || rec.body != `{"url":"https://e.com/h","format":"raw","events":[]}` {
		t.Errorf("create: got %+v", rec)
	}
	off := false
	if _, err := c.UpdateWebhookEndpoint(ctx, "e/1", apitype.WebhookEndpointUpdate{Enabled: &off, Events: &[]string{}}); err != nil {
		t.Fatal(err)
	}
	if rec.method != http.MethodPatch || rec.rawPath != "/v1/webhooks/endpoints/e%2F1" || rec.body != `{"events":[],"enabled":false}` {
		t.Errorf("update: got %+v", rec)
	}
	if _, err := c.ResetWebhookEndpointSecret(ctx, "e1"); err != nil || rec.method != http.MethodPatch || rec.rawPath != "/v1/webhooks/endpoints/e1/secret" || rec.body != "" {
		t.Errorf("reset secret: %v, got %+v", err, rec)
	}
	if _, err := c.ListWebhookEndpoints(ctx, client.ListWebhookEndpointsParams{Page: 2, Limit: 5}); err != nil || rec.rawQuery != "limit=5&page=2" {
		t.Errorf("list endpoints: %v, query %q", err, rec.rawQuery)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	yes := true
	_, err := c.ListWebhookDeliveries(ctx, client.ListWebhookDeliveriesParams{EndpointIDs: []string{"a", "b"}, Start: &start, End: &start,
		Succeeded: &yes, Query: "50", HTTPCodeClass: "5xx", EventTypes: []string{"customer.created", "order.created"}, Page: 1, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"endpoint_id=a&endpoint_id=b", "start_timestamp=2026-01-02T03%3A04%3A05%2B01%3A00", "end_timestamp=",
		"succeeded=true", "query=50", "http_code_class=5xx", "event_type=customer.created&event_type=order.created", "page=1", "limit=100"} {
		if !strings.Contains(rec.rawQuery, want) {
			t.Errorf("deliveries query %q lacks %q", rec.rawQuery, want)
		}
	}

	c, rec = mustServer(t, 202, nil, "")
	if err := c.RedeliverWebhookEvent(ctx, "ev1"); err != nil || rec.method != http.MethodPost || rec.rawPath != "/v1/webhooks/events/ev1/redeliver" {
		t.Errorf("redeliver: %v, got %+v", err, rec)
	}
	c, rec = mustServer(t, 204, nil, "")
	if err := c.DeleteWebhookEndpoint(ctx, "e1"); err != nil || rec.method != http.MethodDelete || rec.rawPath != "/v1/webhooks/endpoints/e1" {
		t.Errorf("delete: %v, got %+v", err, rec)
	}
}
