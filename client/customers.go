package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse/apitype"
)

// ListCustomersParams filters and pages GET /v1/customers/. Zero fields are
// not sent (the server then uses its defaults: page 1, limit 10, sorting
// -created_at).
type ListCustomersParams struct {
	// Email matches exactly, case-insensitively.
	Email string
	// Query is a case-insensitive substring of email, name or billing name,
	// or a prefix of the external ID.
	Query string
	// Metadata keeps customers whose metadata[key] equals one of the values
	// (compared as JSON text: "3", "true").
	Metadata map[string][]string
	// OrganizationID restricts the list to these organizations.
	OrganizationID []string
	// Active filters on having an active subscription.
	Active *bool
	// Page starts at 1; Limit is capped at 100 by the server.
	Page, Limit int
	// Sorting lists criteria such as "email" or "-created_at".
	Sorting []string
}

func (p ListCustomersParams) values() url.Values {
	v := url.Values{}
	if p.Email != "" {
		v.Set("email", p.Email)
	}
	if p.Query != "" {
		v.Set("query", p.Query)
	}
	for k, vals := range p.Metadata {
		for _, s := range vals {
			v.Add("metadata["+k+"]", s)
		}
	}
	for _, id := range p.OrganizationID {
		v.Add("organization_id", id)
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
	for _, s := range p.Sorting {
		v.Add("sorting", s)
	}
	return v
}

// ListCustomers returns one page of the organization's customers
// (GET /v1/customers/).
func (c *Client) ListCustomers(ctx context.Context, p ListCustomersParams) (*apitype.List[apitype.Customer], error) {
	var out apitype.List[apitype.Customer]
	if err := c.do(ctx, http.MethodGet, "/v1/customers/", p.values(), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllCustomers iterates over every customer matching p, page after page,
// starting at p.Page (or 1), the way the official SDKs' iterators do. It
// stops after the first error, which it yields.
func (c *Client) AllCustomers(ctx context.Context, p ListCustomersParams) iter.Seq2[apitype.Customer, error] {
	return func(yield func(apitype.Customer, error) bool) {
		if p.Page == 0 {
			p.Page = 1
		}
		for {
			page, err := c.ListCustomers(ctx, p)
			if err != nil {
				yield(apitype.Customer{}, err)
				return
			}
			for _, cu := range page.Items {
				if !yield(cu, nil) {
					return
				}
			}
			if p.Page >= page.Pagination.MaxPage {
				return
			}
			p.Page++
		}
	}
}

// CreateCustomer creates a customer (POST /v1/customers/, 201).
func (c *Client) CreateCustomer(ctx context.Context, in apitype.CustomerCreate) (*apitype.Customer, error) {
	return customerCall(ctx, c, http.MethodPost, "/v1/customers/", nil, in)
}

// GetCustomer returns the customer with id (GET /v1/customers/{id}).
func (c *Client) GetCustomer(ctx context.Context, id string) (*apitype.Customer, error) {
	return customerCall(ctx, c, http.MethodGet, "/v1/customers/"+escape(id), nil, nil)
}

// GetCustomerExternal returns the customer with an external ID
// (GET /v1/customers/external/{external_id}).
func (c *Client) GetCustomerExternal(ctx context.Context, externalID string) (*apitype.Customer, error) {
	return customerCall(ctx, c, http.MethodGet, "/v1/customers/external/"+escape(externalID), nil, nil)
}

// UpdateCustomer changes the fields set in in (PATCH /v1/customers/{id}).
func (c *Client) UpdateCustomer(ctx context.Context, id string, in apitype.CustomerUpdate) (*apitype.Customer, error) {
	return customerCall(ctx, c, http.MethodPatch, "/v1/customers/"+escape(id), nil, in)
}

// UpdateCustomerExternal changes the fields set in in of the customer with
// an external ID (PATCH /v1/customers/external/{external_id}); the server
// ignores ExternalID and Type there.
func (c *Client) UpdateCustomerExternal(ctx context.Context, externalID string, in apitype.CustomerUpdate) (*apitype.Customer, error) {
	return customerCall(ctx, c, http.MethodPatch, "/v1/customers/external/"+escape(externalID), nil, in)
}

// DeleteCustomer soft-deletes the customer (DELETE /v1/customers/{id}, 204);
// anonymize also scrubs its personal data. Its sessions stop working at once.
func (c *Client) DeleteCustomer(ctx context.Context, id string, anonymize bool) error {
	return c.do(ctx, http.MethodDelete, "/v1/customers/"+escape(id), anonymizeQuery(anonymize), nil, nil)
}

// DeleteCustomerExternal soft-deletes the customer with an external ID
// (DELETE /v1/customers/external/{external_id}, 204).
func (c *Client) DeleteCustomerExternal(ctx context.Context, externalID string, anonymize bool) error {
	return c.do(ctx, http.MethodDelete, "/v1/customers/external/"+escape(externalID), anonymizeQuery(anonymize), nil, nil)
}

// GetCustomerState returns the customer with its billing state
// (GET /v1/customers/{id}/state).
func (c *Client) GetCustomerState(ctx context.Context, id string) (*apitype.CustomerState, error) {
	var out apitype.CustomerState
	if err := c.do(ctx, http.MethodGet, "/v1/customers/"+escape(id)+"/state", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCustomerStateExternal returns the state of the customer with an
// external ID (GET /v1/customers/external/{external_id}/state).
func (c *Client) GetCustomerStateExternal(ctx context.Context, externalID string) (*apitype.CustomerState, error) {
	var out apitype.CustomerState
	if err := c.do(ctx, http.MethodGet, "/v1/customers/external/"+escape(externalID)+"/state", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportCustomers returns every customer as CSV text
// (GET /v1/customers/export), optionally restricted to organizationIDs.
func (c *Client) ExportCustomers(ctx context.Context, organizationIDs ...string) (string, error) {
	q := url.Values{}
	for _, id := range organizationIDs {
		q.Add("organization_id", id)
	}
	var out string
	if err := c.do(ctx, http.MethodGet, "/v1/customers/export", q, nil, &out); err != nil {
		return "", err
	}
	return out, nil
}

func customerCall(ctx context.Context, c *Client, method, path string, q url.Values, in any) (*apitype.Customer, error) {
	var out apitype.Customer
	if err := c.do(ctx, method, path, q, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func anonymizeQuery(anonymize bool) url.Values {
	if !anonymize {
		return nil
	}
	return url.Values{"anonymize": {"true"}}
}
