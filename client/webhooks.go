package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

// ListWebhookEndpointsParams pages GET /v1/webhooks/endpoints. Zero fields
// are not sent (the server then uses page 1, limit 10).
type ListWebhookEndpointsParams struct {
	Page, Limit int
}

func pageValues(v url.Values, page, limit int) url.Values {
	if page != 0 {
		v.Set("page", strconv.Itoa(page))
	}
	if limit != 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	return v
}

// ListWebhookEndpoints returns one page of the organization's webhook
// endpoints, newest first, secrets included (GET /v1/webhooks/endpoints;
// scope webhooks:read or :write).
func (c *Client) ListWebhookEndpoints(ctx context.Context, p ListWebhookEndpointsParams) (*apitype.List[apitype.WebhookEndpoint], error) {
	var out apitype.List[apitype.WebhookEndpoint]
	if err := c.do(ctx, http.MethodGet, "/v1/webhooks/endpoints", pageValues(url.Values{}, p.Page, p.Limit), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateWebhookEndpoint creates an enabled endpoint and returns it with
// its generated secret (POST /v1/webhooks/endpoints; scope
// webhooks:write). A URL that is not https, or names localhost or a
// private address, is a 422 *Error.
func (c *Client) CreateWebhookEndpoint(ctx context.Context, in apitype.WebhookEndpointCreate) (*apitype.WebhookEndpoint, error) {
	if in.Events == nil {
		in.Events = []string{} // the field is required: an empty list, not null
	}
	return webhookEndpointCall(ctx, c, http.MethodPost, "/v1/webhooks/endpoints", &in)
}

// GetWebhookEndpoint returns one endpoint (GET /v1/webhooks/endpoints/{id});
// another organization's is a 404.
func (c *Client) GetWebhookEndpoint(ctx context.Context, id string) (*apitype.WebhookEndpoint, error) {
	return webhookEndpointCall(ctx, c, http.MethodGet, "/v1/webhooks/endpoints/"+escape(id), nil)
}

// UpdateWebhookEndpoint changes the fields of in that are set
// (PATCH /v1/webhooks/endpoints/{id}).
func (c *Client) UpdateWebhookEndpoint(ctx context.Context, id string, in apitype.WebhookEndpointUpdate) (*apitype.WebhookEndpoint, error) {
	return webhookEndpointCall(ctx, c, http.MethodPatch, "/v1/webhooks/endpoints/"+escape(id), &in)
}

// ResetWebhookEndpointSecret gives the endpoint a new secret and returns
// it (PATCH /v1/webhooks/endpoints/{id}/secret); the old secret keeps
// signing beside it for 24 hours.
func (c *Client) ResetWebhookEndpointSecret(ctx context.Context, id string) (*apitype.WebhookEndpoint, error) {
	return webhookEndpointCall(ctx, c, http.MethodPatch, "/v1/webhooks/endpoints/"+escape(id)+"/secret", nil)
}

// DeleteWebhookEndpoint soft-deletes the endpoint
// (DELETE /v1/webhooks/endpoints/{id}, 204).
func (c *Client) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/webhooks/endpoints/"+escape(id), nil, nil, nil)
}

func webhookEndpointCall(ctx context.Context, c *Client, method, path string, in any) (*apitype.WebhookEndpoint, error) {
	var out apitype.WebhookEndpoint
	if err := c.do(ctx, method, path, nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListWebhookDeliveriesParams filters and pages GET /v1/webhooks/deliveries.
// Zero fields are not sent.
type ListWebhookDeliveriesParams struct {
	EndpointIDs []string
	// Start and End keep deliveries made strictly after and before them.
	Start, End *time.Time
	Succeeded  *bool
	// Query is a case-insensitive part of the delivery ID, the event ID or
	// the HTTP code.
	Query string
	// HTTPCodeClass is "2xx", "3xx", "4xx" or "5xx".
	HTTPCodeClass string
	EventTypes    []string
	Page, Limit   int
}

func (p ListWebhookDeliveriesParams) values() url.Values {
	v := url.Values{}
	for _, id := range p.EndpointIDs {
		v.Add("endpoint_id", id)
	}
	if p.Start != nil {
		v.Set("start_timestamp", p.Start.Format(time.RFC3339Nano))
	}
	if p.End != nil {
		v.Set("end_timestamp", p.End.Format(time.RFC3339Nano))
	}
	if p.Succeeded != nil {
		v.Set("succeeded", strconv.FormatBool(*p.Succeeded))
	}
	if p.Query != "" {
		v.Set("query", p.Query)
	}
	if p.HTTPCodeClass != "" {
		v.Set("http_code_class", p.HTTPCodeClass)
	}
	for _, t := range p.EventTypes {
		v.Add("event_type", t)
	}
	return pageValues(v, p.Page, p.Limit)
}

// ListWebhookDeliveries returns one page of delivery attempts to the
// organization's endpoints, newest first, each with its event
// (GET /v1/webhooks/deliveries; scope webhooks:read or :write).
func (c *Client) ListWebhookDeliveries(ctx context.Context, p ListWebhookDeliveriesParams) (*apitype.List[apitype.WebhookDelivery], error) {
	var out apitype.List[apitype.WebhookDelivery]
	if err := c.do(ctx, http.MethodGet, "/v1/webhooks/deliveries", p.values(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RedeliverWebhookEvent sends a webhook event again, in the background
// (POST /v1/webhooks/events/{id}/redeliver, 202); an unknown event is a
// 404, an archived one a 422.
func (c *Client) RedeliverWebhookEvent(ctx context.Context, eventID string) error {
	return c.do(ctx, http.MethodPost, "/v1/webhooks/events/"+escape(eventID)+"/redeliver", nil, nil, nil)
}
