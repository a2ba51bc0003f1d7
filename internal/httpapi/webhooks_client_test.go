package httpapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// TestWebhookClient drives every webhook route through the public client
// against the server on a real store.
func TestWebhookClient(t *testing.T) {
	e := newEnv(t)
	q := &jobLog{}
	e.store.(interface{ SetWebhookQueue(gatehouse.WebhookQueue) }).SetWebhookQueue(q)
	hs := httptest.NewServer(e.srv)
	t.Cleanup(hs.Close)
	c := client.New(hs.URL, client.WithToken(e.tok["W"]))
	ctx := t.Context()

	ep, err := c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: "https://example.com/h", Format: "raw",
		Events: []string{gatehouse.EventCustomerCreated, "order.created"}})
	if err != nil || ep.OrganizationID != e.orgA.ID || !strings.HasPrefix(ep.Secret, "whsec_") || !ep.Enabled {
		t.Fatalf("CreateWebhookEndpoint = %+v, %v", ep, err)
	}
	_, err = c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: "https://127.0.0.1/", Format: "raw"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.StatusCode != 422 {
		t.Errorf("create with a loopback URL: %v, want a 422 *client.Error", err)
	}
	if got, err := c.GetWebhookEndpoint(ctx, ep.ID); err != nil || got.Secret != ep.Secret {
		t.Errorf("GetWebhookEndpoint = %+v, %v", got, err)
	}
	name := "renamed"
	if got, err := c.UpdateWebhookEndpoint(ctx, ep.ID, apitype.WebhookEndpointUpdate{Name: &name}); err != nil || got.Name == nil || *got.Name != name {
		t.Errorf("UpdateWebhookEndpoint = %+v, %v", got, err)
	}
	if got, err := c.ResetWebhookEndpointSecret(ctx, ep.ID); err != nil || got.Secret == ep.Secret {
		t.Errorf("ResetWebhookEndpointSecret = %+v, %v", got, err)
	}
	if l, err := c.ListWebhookEndpoints(ctx, client.ListWebhookEndpointsParams{}); err != nil || len(l.Items) != 1 || l.Pagination.TotalCount != 1 {
		t.Errorf("ListWebhookEndpoints = %+v, %v", l, err)
	}
	ev := e.mustDeliveries(q, ep.ID)
	failed := false
	l, err := c.ListWebhookDeliveries(ctx, client.ListWebhookDeliveriesParams{EndpointIDs: []string{ep.ID}, Succeeded: &failed, HTTPCodeClass: "5xx"})
	if err != nil || len(l.Items) != 1 || l.Items[0].WebhookEvent.ID != ev || *l.Items[0].HTTPCode != 500 {
		t.Errorf("ListWebhookDeliveries = %+v, %v", l, err)
	}
	if err := c.RedeliverWebhookEvent(ctx, ev); err != nil {
		t.Errorf("RedeliverWebhookEvent: %v", err)
	}
	if err := c.RedeliverWebhookEvent(ctx, gatehouse.NewID()); !errors.As(err, &ce) || ce.StatusCode != 404 {
		t.Errorf("redeliver unknown: %v, want 404", err)
	}
	if err := c.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
		t.Errorf("DeleteWebhookEndpoint: %v", err)
	}
	if _, err := c.GetWebhookEndpoint(ctx, ep.ID); !errors.As(err, &ce) || ce.StatusCode != 404 {
		t.Errorf("get deleted: %v, want 404", err)
	}
}
