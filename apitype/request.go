package apitype

// CustomerCreate is the body of POST /v1/customers/. Nil fields are omitted.
type CustomerCreate struct {
	Type           string         `json:"type,omitempty"`
	Email          string         `json:"email,omitempty"`
	Name           *string        `json:"name,omitempty"`
	ExternalID     *string        `json:"external_id,omitempty"`
	BillingAddress *Address       `json:"billing_address,omitempty"`
	TaxID          *string        `json:"tax_id,omitempty"`
	Locale         *string        `json:"locale,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	OrganizationID *string        `json:"organization_id,omitempty"`
}

// CustomerUpdate is the body of PATCH /v1/customers/{id} (and, without
// ExternalID and Type, of the external-ID variant). Only non-nil fields are
// sent; to send an explicit JSON null use the server's API directly.
type CustomerUpdate struct {
	Email          *string        `json:"email,omitempty"`
	Name           *string        `json:"name,omitempty"`
	ExternalID     *string        `json:"external_id,omitempty"`
	BillingAddress *Address       `json:"billing_address,omitempty"`
	TaxID          *string        `json:"tax_id,omitempty"`
	Locale         *string        `json:"locale,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	Type           *string        `json:"type,omitempty"`
}

// CustomerSessionCreate is the body of POST /v1/customer-sessions/: set
// exactly one of CustomerID and ExternalCustomerID.
type CustomerSessionCreate struct {
	CustomerID         string         `json:"customer_id,omitempty"`
	ExternalCustomerID string         `json:"external_customer_id,omitempty"`
	ReturnURL          *string        `json:"return_url,omitempty"`
	ExpiresIn          *int           `json:"expires_in,omitempty"`
	Metadata           map[string]any `json:"metadata,omitempty"`
}

// CustomerSessionRevoke is the body of POST /v1/customer-sessions/revoke.
type CustomerSessionRevoke struct {
	CustomerID         string `json:"customer_id,omitempty"`
	ExternalCustomerID string `json:"external_customer_id,omitempty"`
}

// PortalCustomerUpdate is the body of PATCH /v1/customer-portal/customers/me.
type PortalCustomerUpdate struct {
	BillingName    *string  `json:"billing_name,omitempty"`
	BillingAddress *Address `json:"billing_address,omitempty"`
	TaxID          *string  `json:"tax_id,omitempty"`
}

// CodeRequest is the body of POST /v1/customer-portal/customer-session/request.
type CodeRequest struct {
	Email          string `json:"email"`
	OrganizationID string `json:"organization_id"`
}

// CodeAuthenticate is the body of POST /v1/customer-portal/customer-session/authenticate.
type CodeAuthenticate struct {
	Code string `json:"code"`
}
