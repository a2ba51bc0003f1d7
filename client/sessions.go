package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse/apitype"
)

// ListCustomerSessionsParams filters and pages GET /v1/customer-sessions/.
// Zero fields are not sent (the server then uses page 1, limit 10).
type ListCustomerSessionsParams struct {
	// CustomerID keeps the sessions of this customer.
	CustomerID string
	// ExternalCustomerID keeps the sessions of the customer with this
	// external ID; an unknown one matches nothing.
	ExternalCustomerID string
	// Active, when set, keeps only live sessions (true: neither expired nor
	// revoked) or only dead ones (false).
	Active *bool
	// Page starts at 1; Limit is capped at 100 by the server.
	Page, Limit int
}

func (p ListCustomerSessionsParams) values() url.Values {
	v := url.Values{}
	if p.CustomerID != "" {
		v.Set("customer_id", p.CustomerID)
	}
	if p.ExternalCustomerID != "" {
		v.Set("external_customer_id", p.ExternalCustomerID)
	}
	if p.Active != nil {
		v.Set("active", strconv.FormatBool(*p.Active))
	}
	if p.Page != 0 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	return v
}

// ListCustomerSessions returns one page of the organization's customer
// sessions, newest first (GET /v1/customer-sessions/; scope
// customer_sessions:read or :write). Items never carry the token.
func (c *Client) ListCustomerSessions(ctx context.Context, p ListCustomerSessionsParams) (*apitype.List[apitype.SessionInfo], error) {
	var out apitype.List[apitype.SessionInfo]
	if err := c.do(ctx, http.MethodGet, "/v1/customer-sessions/", p.values(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCustomerSession returns one customer session without its token
// (GET /v1/customer-sessions/{id}); another organization's session is a
// 404 ResourceNotFound.
func (c *Client) GetCustomerSession(ctx context.Context, id string) (*apitype.SessionInfo, error) {
	var out apitype.SessionInfo
	if err := c.do(ctx, http.MethodGet, "/v1/customer-sessions/"+escape(id), nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RevokeCustomerSession revokes one customer session
// (DELETE /v1/customer-sessions/{id}, 204): its token fails from the next
// request on, on every instance.
func (c *Client) RevokeCustomerSession(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/v1/customer-sessions/"+escape(id), nil, nil, nil)
}

// RevokeCustomerSessions revokes every live session of the customer named
// by in.CustomerID or in.ExternalCustomerID (POST
// /v1/customer-sessions/revoke) and returns how many it revoked.
func (c *Client) RevokeCustomerSessions(ctx context.Context, in apitype.CustomerSessionRevoke) (int, error) {
	var out apitype.RevokeResult
	if err := c.do(ctx, http.MethodPost, "/v1/customer-sessions/revoke", nil, in, &out); err != nil {
		return 0, err
	}
	return out.Revoked, nil
}

// Logout ends the session whose token the client uses
// (DELETE /v1/customer-portal/customer-session, 204): the token is dead
// afterwards.
func (c *Client) Logout(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/v1/customer-portal/customer-session", nil, nil, nil)
}

// RequestLoginCode asks the server to e-mail a one-time sign-in code to the
// customer of organization orgID with that email
// (POST /v1/customer-portal/customer-session/request). It succeeds (202)
// whether or not such a customer exists; over the rate limit it is a 429
// *Error whose RetryAfter says when to try again.
func (c *Client) RequestLoginCode(ctx context.Context, email, orgID string) error {
	return c.do(ctx, http.MethodPost, "/v1/customer-portal/customer-session/request", nil,
		apitype.CodeRequest{Email: email, OrganizationID: orgID}, nil)
}

// AuthenticateLoginCode redeems an e-mailed code (once) for a customer
// session token (POST /v1/customer-portal/customer-session/authenticate).
// A wrong, used or expired code is a 401 *Error with Code
// "CustomerSessionCodeInvalidOrExpired"; see IsCodeInvalid.
func (c *Client) AuthenticateLoginCode(ctx context.Context, code string) (string, error) {
	var out apitype.AuthenticateResponse
	if err := c.do(ctx, http.MethodPost, "/v1/customer-portal/customer-session/authenticate", nil,
		apitype.CodeAuthenticate{Code: code}, &out); err != nil {
		return "", err
	}
	return out.Token, nil
}
