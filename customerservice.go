package gatehouse

import "context"

// CustomerService owns the rules of changing a customer: every write to a
// customer, whichever surface asks for it (the merchant API, the customer
// portal, the e-mailed code flow), goes through it, so that a rule is
// written once and every change has one place where it happens (and, with
// webhooks, one place where its event starts). Reads go to the Store.
//
// Inputs are already validated for their shape (types, lengths, formats);
// the service checks the rules that need the stored customer or the store:
// uniqueness, immutable fields, the tax ID against the billing country.
// Rule violations are *Error values with code EInvalid and every field
// problem at once; store failures are wrapped. internal/customers is the
// implementation.
type CustomerService interface {
	// CreateCustomer creates a customer of the organization from in.
	CreateCustomer(ctx context.Context, orgID string, in CustomerCreate) (*Customer, error)
	// UpdateCustomer applies a merchant's patch to c and returns the saved
	// customer. c is not changed.
	UpdateCustomer(ctx context.Context, c *Customer, p CustomerPatch) (*Customer, error)
	// UpdateBilling applies a customer's own change of its billing details
	// (the portal) to c and returns the saved customer. c is not changed.
	UpdateBilling(ctx context.Context, c *Customer, p BillingPatch) (*Customer, error)
	// DeleteCustomer soft-deletes c: its external ID is freed (kept in
	// metadata __external_id), its sessions stop authenticating and, with
	// anonymize, its personal data is replaced by hashes. It returns the
	// deleted customer as it was saved.
	DeleteCustomer(ctx context.Context, c *Customer, anonymize bool) (*Customer, error)
	// VerifyEmail marks c's email verified when email (the address a login
	// code was sent to) is c's current email; it returns the customer as
	// it is now, changed or not.
	VerifyEmail(ctx context.Context, c *Customer, email string) (*Customer, error)
}

// CustomerCreate is a validated request to create a customer.
type CustomerCreate struct {
	// Customer holds the new customer's fields from the request (Type,
	// Email, Name, ExternalID, BillingAddress, Locale, Metadata); the
	// service sets its ID, organization, creation time and tax ID.
	Customer Customer
	// TaxID is the trimmed raw tax ID, validated against the billing
	// address's country; nil for none.
	TaxID *string
	// OrganizationID is an organization_id given in the request: refused,
	// since an organization token already names the organization.
	OrganizationID *string
}

// CustomerPatch is a validated merchant change of a customer. Only what is
// set changes: a nil pointer without its Set flag is "absent", with it
// "set to null".
type CustomerPatch struct {
	Email *string // nil: unchanged (the API ignores a null email)

	NameSet bool
	Name    *string

	BillingChange

	LocaleSet bool
	Locale    *string

	Metadata Metadata // nil: unchanged; replaces the whole map

	ExternalIDSet   bool
	ExternalID      *string // trimmed
	ExternalIDInput any     // as the request gave it, for the error

	TypeSet bool
	Type    *string
}

// BillingChange is the part of a patch both surfaces may send: the billing
// address and the tax ID, checked against each other.
type BillingChange struct {
	BillingAddress     *Address // nil: unchanged
	BillingAddressNull bool     // the request asked to reset it (refused)

	TaxIDSet bool
	TaxID    *string // trimmed raw tax ID; nil with TaxIDSet removes it
}

// BillingPatch is a validated change a customer makes to its own billing
// details through the portal. Only what is set changes.
type BillingPatch struct {
	BillingName *string // nil: unchanged (the API ignores null and "")

	BillingChange

	// DefaultPaymentMethodSet is true when the request named a default
	// payment method (DefaultPaymentMethodID) or null (nil). Gatehouse
	// keeps no payment methods: either is refused.
	DefaultPaymentMethodSet bool
	DefaultPaymentMethodID  *string
}
