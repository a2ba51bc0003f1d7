package gatehouse

import "context"

// WebhookEndpointService owns the rules of an organization's webhook
// endpoints (Polar's, contract §1.1): the URL a delivery may go to, the
// format and event types, the secret and its rotation, the soft delete.
// The merchant API decodes a request, calls it and encodes the answer; the
// reads pass through to the WebhookStore so that a handler needs nothing
// else. internal/webhooks.Endpoints is the implementation.
//
// Problems with a value are *Error values with code EInvalid and every
// field problem at once (the URL, format, events and secret rules are
// request-shape errors, Schema set, as Polar's pydantic reports them);
// another organization's endpoint or event is ENotFound.
type WebhookEndpointService interface {
	// Create checks in and creates an enabled endpoint of the organization
	// with a new secret (or in.Secret).
	Create(ctx context.Context, orgID string, in WebhookEndpointCreate) (*WebhookEndpoint, error)
	// Update applies p to the organization's endpoint id.
	Update(ctx context.Context, orgID, id string, p WebhookEndpointPatch) (*WebhookEndpoint, error)
	// RotateSecret gives the endpoint a new secret; the old one keeps
	// signing beside it for WebhookSecretOverlap.
	RotateSecret(ctx context.Context, orgID, id string) (*WebhookEndpoint, error)
	// Delete soft-deletes the endpoint: it is no longer listed or sent to.
	Delete(ctx context.Context, orgID, id string) error

	// Get returns a live endpoint of the organization.
	Get(ctx context.Context, orgID, id string) (*WebhookEndpoint, error)
	// List returns a page of live endpoints, newest first, and the total.
	List(ctx context.Context, orgID string, p Page) ([]*WebhookEndpoint, int, error)
	// Deliveries returns a page of the organization's deliveries, newest
	// first, each with its event, and the total.
	Deliveries(ctx context.Context, orgID string, f WebhookDeliveryFilter) ([]*WebhookDelivery, int, error)
	// Redeliver sends the organization's event id again (EInvalid with a
	// field error when it is archived).
	Redeliver(ctx context.Context, orgID, eventID string) error
}

// WebhookEndpointCreate is a request to create an endpoint, its values as
// the request gave them (the service checks them).
type WebhookEndpointCreate struct {
	URL    string
	Name   *string
	Format string
	Events []string
	// Secret is Polar's hidden, deprecated secret field (at least 32
	// characters); nil: the service generates one.
	Secret *string
	// OrganizationID is an organization_id given in the request: refused,
	// since an organization token already names the organization.
	OrganizationID *string
}

// WebhookEndpointPatch is a change of an endpoint. Polar applies it with
// exclude_unset and exclude_none: a nil field, absent or null in the
// request, leaves the value as it is.
type WebhookEndpointPatch struct {
	URL     *string
	Name    *string
	Format  *string
	Events  []string // nil: unchanged; empty: no events
	Enabled *bool
}
