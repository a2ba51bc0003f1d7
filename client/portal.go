package client

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

// CustomerSession is a newly minted customer session. Token is the raw
// bearer token for the portal API; the server shows it only this once.
type CustomerSession struct {
	// CreatedAt is when the session was created.
	CreatedAt time.Time
	// ModifiedAt is when it was last modified (nil: never).
	ModifiedAt *time.Time
	// ID identifies the session.
	ID string
	// Token is the raw customer session token.
	Token string
	// ExpiresAt is when the token stops working.
	ExpiresAt time.Time
	// CustomerID is the customer the session authenticates as.
	CustomerID string
	// Customer is that customer.
	Customer apitype.Customer
	// ReturnURL is the normalized return URL given at creation, if any.
	ReturnURL *string
	// CustomerPortalURL opens the customer portal with this session.
	CustomerPortalURL string
	// Metadata is the session's metadata (empty when none was given).
	Metadata map[string]any
}

// String describes the session without its token, so that logging a
// CustomerSession by accident does not leak the credential.
func (s CustomerSession) String() string {
	return "CustomerSession{ID:" + s.ID + " CustomerID:" + s.CustomerID + " Token:[redacted]}"
}

func sessionFromWire(w *apitype.CustomerSession) *CustomerSession {
	s := &CustomerSession{
		CreatedAt:         w.CreatedAt.Time,
		ID:                w.ID,
		Token:             w.Token,
		ExpiresAt:         w.ExpiresAt.Time,
		CustomerID:        w.CustomerID,
		Customer:          w.Customer,
		ReturnURL:         w.ReturnURL,
		CustomerPortalURL: w.CustomerPortalURL,
		Metadata:          w.Metadata,
	}
	if w.ModifiedAt != nil {
		t := w.ModifiedAt.Time
		s.ModifiedAt = &t
	}
	return s
}

// CreateCustomerSession mints a customer session for the customer named by
// in.CustomerID or in.ExternalCustomerID (POST /v1/customer-sessions/, 201).
// in.ExpiresIn (seconds, bounded by the server's --max-session-ttl) and
// in.Metadata are sent when set. An unknown customer is a 422 error, not a
// 404.
func (c *Client) CreateCustomerSession(ctx context.Context, in apitype.CustomerSessionCreate) (*CustomerSession, error) {
	var out apitype.CustomerSession
	if err := c.do(ctx, http.MethodPost, "/v1/customer-sessions/", nil, in, &out); err != nil {
		return nil, err
	}
	return sessionFromWire(&out), nil
}

// PortalMe returns the authenticated customer
// (GET /v1/customer-portal/customers/me; needs a customer session token).
func (c *Client) PortalMe(ctx context.Context) (*apitype.PortalCustomer, error) {
	var out apitype.PortalCustomer
	if err := c.do(ctx, http.MethodGet, "/v1/customer-portal/customers/me", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePortalMe changes the authenticated customer's billing details
// (PATCH /v1/customer-portal/customers/me).
func (c *Client) UpdatePortalMe(ctx context.Context, in apitype.PortalCustomerUpdate) (*apitype.PortalCustomer, error) {
	var out apitype.PortalCustomer
	if err := c.do(ctx, http.MethodPatch, "/v1/customer-portal/customers/me", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Introspect returns the expiry and return URL of the session whose token
// the client uses (GET /v1/customer-portal/customer-session/introspect).
func (c *Client) Introspect(ctx context.Context) (*apitype.CustomerCustomerSession, error) {
	var out apitype.CustomerCustomerSession
	if err := c.do(ctx, http.MethodGet, "/v1/customer-portal/customer-session/introspect", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PortalUser returns who the session token authenticates
// (GET /v1/customer-portal/customer-session/user).
func (c *Client) PortalUser(ctx context.Context) (*apitype.PortalUser, error) {
	var out apitype.PortalUser
	if err := c.do(ctx, http.MethodGet, "/v1/customer-portal/customer-session/user", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PortalOrganization returns the public view of the organization with slug
// (GET /v1/customer-portal/organizations/{slug}; no token needed, but a bad
// token is still rejected).
func (c *Client) PortalOrganization(ctx context.Context, slug string) (*apitype.CustomerOrganizationData, error) {
	var out apitype.CustomerOrganizationData
	if err := c.do(ctx, http.MethodGet, "/v1/customer-portal/organizations/"+escape(slug), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
