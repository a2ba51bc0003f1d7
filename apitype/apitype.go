// Package apitype holds Gatehouse's public JSON wire types: the responses
// the server sends and the request bodies the client sends. They follow the
// Polar contract: every key is always present (null, never absent), and
// timestamps are RFC 3339 in UTC with a Z suffix.
//
// It imports only the standard library; the server and client both use it.
package apitype

// Address is a billing address.
type Address struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    string  `json:"country"`
}

// Customer is a customer as the merchant API returns it.
type Customer struct {
	ID                     string         `json:"id"`
	CreatedAt              Time           `json:"created_at"`
	ModifiedAt             *Time          `json:"modified_at"`
	Metadata               map[string]any `json:"metadata"`
	ExternalID             *string        `json:"external_id"`
	Email                  *string        `json:"email"`
	EmailVerified          bool           `json:"email_verified"`
	Type                   string         `json:"type"`
	Name                   *string        `json:"name"`
	BillingName            *string        `json:"billing_name"`
	BillingAddress         *Address       `json:"billing_address"`
	TaxID                  *[2]string     `json:"tax_id"`
	Locale                 *string        `json:"locale"`
	OrganizationID         string         `json:"organization_id"`
	DefaultPaymentMethodID *string        `json:"default_payment_method_id"`
	DeletedAt              *Time          `json:"deleted_at"`
	FirstUserEventAt       *Time          `json:"first_user_event_at"`
	AvatarURL              *string        `json:"avatar_url"`
}

// CustomerState is a customer with its (always empty) billing state.
type CustomerState struct {
	Customer
	ActiveSubscriptions []any `json:"active_subscriptions"`
	GrantedBenefits     []any `json:"granted_benefits"`
	ActiveMeters        []any `json:"active_meters"`
}

// Pagination is the totals of a list.
type Pagination struct {
	TotalCount int `json:"total_count"`
	MaxPage    int `json:"max_page"`
}

// List is one page of a list endpoint.
type List[T any] struct {
	Items      []T        `json:"items"`
	Pagination Pagination `json:"pagination"`
}

// CustomerSession is a newly created customer session, token included.
type CustomerSession struct {
	CreatedAt         Time           `json:"created_at"`
	ModifiedAt        *Time          `json:"modified_at"`
	ID                string         `json:"id"`
	Token             string         `json:"token"`
	ExpiresAt         Time           `json:"expires_at"`
	ReturnURL         *string        `json:"return_url"`
	CustomerPortalURL string         `json:"customer_portal_url"`
	CustomerID        string         `json:"customer_id"`
	Customer          Customer       `json:"customer"`
	Metadata          map[string]any `json:"metadata"`
}

// SessionInfo is a customer session as the session-management endpoints
// return it: never with its token.
type SessionInfo struct {
	ID                string         `json:"id"`
	CreatedAt         Time           `json:"created_at"`
	ModifiedAt        *Time          `json:"modified_at"`
	ExpiresAt         Time           `json:"expires_at"`
	RevokedAt         *Time          `json:"revoked_at"`
	RevokedReason     *string        `json:"revoked_reason"`
	LastUsedAt        *Time          `json:"last_used_at"`
	LastUsedIP        *string        `json:"last_used_ip"`
	LastUsedUserAgent *string        `json:"last_used_user_agent"`
	ReturnURL         *string        `json:"return_url"`
	Metadata          map[string]any `json:"metadata"`
	CustomerID        string         `json:"customer_id"`
}

// RevokeResult answers a bulk revocation.
type RevokeResult struct {
	Revoked int `json:"revoked"`
}

// OAuthAccount is a customer's linked account (always empty in Gatehouse).
type OAuthAccount struct {
	AccountID       string  `json:"account_id"`
	AccountUsername *string `json:"account_username"`
}

// PortalCustomer is the authenticated customer as the portal sees it.
type PortalCustomer struct {
	CreatedAt              Time                    `json:"created_at"`
	ModifiedAt             *Time                   `json:"modified_at"`
	ID                     string                  `json:"id"`
	Email                  *string                 `json:"email"`
	EmailVerified          bool                    `json:"email_verified"`
	Name                   *string                 `json:"name"`
	BillingName            *string                 `json:"billing_name"`
	BillingAddress         *Address                `json:"billing_address"`
	TaxID                  *[2]string              `json:"tax_id"`
	OAuthAccounts          map[string]OAuthAccount `json:"oauth_accounts"`
	DefaultPaymentMethodID *string                 `json:"default_payment_method_id"`
	Type                   *string                 `json:"type"`
	Locale                 *string                 `json:"locale"`
}

// CustomerCustomerSession is the portal's view of its own session.
type CustomerCustomerSession struct {
	ExpiresAt Time    `json:"expires_at"`
	ReturnURL *string `json:"return_url"`
	// OrganizationID is a Gatehouse addition: the portal page checks it
	// against the organization in its URL.
	OrganizationID string `json:"organization_id"`
}

// PortalUser is the authenticated portal user.
type PortalUser struct {
	Type       string  `json:"type"`
	Name       *string `json:"name"`
	Email      *string `json:"email"`
	CustomerID string  `json:"customer_id"`
	MemberID   *string `json:"member_id"`
	Role       *string `json:"role"`
}

// CustomerPortalSettings is an organization's portal configuration.
type CustomerPortalSettings struct {
	Usage struct {
		Show bool `json:"show"`
	} `json:"usage"`
	Subscription struct {
		UpdateSeats bool `json:"update_seats"`
		UpdatePlan  bool `json:"update_plan"`
	} `json:"subscription"`
	Customer struct {
		AllowEmailChange bool `json:"allow_email_change"`
	} `json:"customer"`
}

// OrganizationFeatures are feature flags of an organization.
type OrganizationFeatures struct {
	MemberModelEnabled          bool `json:"member_model_enabled"`
	CheckoutLocalizationEnabled bool `json:"checkout_localization_enabled"`
}

// CustomerOrganization is an organization as the public portal sees it.
type CustomerOrganization struct {
	CreatedAt              Time                   `json:"created_at"`
	ModifiedAt             *Time                  `json:"modified_at"`
	ID                     string                 `json:"id"`
	Name                   string                 `json:"name"`
	Slug                   string                 `json:"slug"`
	AvatarURL              *string                `json:"avatar_url"`
	ProrationBehavior      string                 `json:"proration_behavior"`
	AllowCustomerUpdates   bool                   `json:"allow_customer_updates"`
	CustomerPortalSettings CustomerPortalSettings `json:"customer_portal_settings"`
	OrganizationFeatures   OrganizationFeatures   `json:"organization_features"`
}

// CustomerOrganizationData is the public organization endpoint's answer.
type CustomerOrganizationData struct {
	Organization CustomerOrganization `json:"organization"`
	Products     []any                `json:"products"`
}

// AuthenticateResponse answers a successful login-code redemption.
type AuthenticateResponse struct {
	Token string `json:"token"`
}

// ValidationError is one item of a 422 detail list.
type ValidationError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// Organization is what the CLI prints for a new organization.
type Organization struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Slug      string `json:"slug"`
	CreatedAt Time   `json:"created_at"`
}

// AccessToken is what the CLI prints for a new organization access token.
type AccessToken struct {
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id"`
	Token          string   `json:"token"`
	Scopes         []string `json:"scopes"`
	CreatedAt      Time     `json:"created_at"`
	ExpiresAt      *Time    `json:"expires_at"`
}
