// Package wire maps domain values to the public wire types of apitype:
// the one place that knows how a customer looks on the wire (every key
// present, billing_name falling back to name, the Gravatar avatar). The
// API's hand-written encoders (internal/httpapi) are tested byte for byte
// against it, and webhook payloads are built from it.
package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
)

// Type is c's type, individual when unset.
func Type(c *gatehouse.Customer) string {
	if c.Type == "" {
		return gatehouse.CustomerIndividual
	}
	return c.Type
}

// Metadata returns m as a wire map, never nil ({} when empty).
func Metadata(m gatehouse.Metadata) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Customer is c in the contract's Customer shape (§D.1). deleted_at is set
// only for a deleted customer, which only webhooks show.
func Customer(c *gatehouse.Customer) apitype.Customer {
	return apitype.Customer{
		ID:             c.ID,
		CreatedAt:      apitype.NewTime(c.CreatedAt),
		ModifiedAt:     apitype.NewTimePtr(c.ModifiedAt),
		Metadata:       Metadata(c.Metadata),
		ExternalID:     c.ExternalID,
		Email:          c.Email,
		EmailVerified:  c.EmailVerified,
		Type:           Type(c),
		Name:           c.Name,
		BillingName:    c.EffectiveBillingName(),
		BillingAddress: Address(c.BillingAddress),
		TaxID:          TaxID(c.TaxID),
		Locale:         c.Locale,
		OrganizationID: c.OrganizationID,
		DeletedAt:      apitype.NewTimePtr(c.DeletedAt),
		AvatarURL:      AvatarURL(c.Email),
	}
}

// CustomerState is c with its billing state, which Gatehouse, having no
// subscriptions, benefits or meters, always has empty.
func CustomerState(c *gatehouse.Customer) apitype.CustomerState {
	return apitype.CustomerState{Customer: Customer(c),
		ActiveSubscriptions: []any{}, GrantedBenefits: []any{}, ActiveMeters: []any{}}
}

// Address is a on the wire, or nil.
func Address(a *gatehouse.Address) *apitype.Address {
	if a == nil {
		return nil
	}
	v := apitype.Address(*a)
	return &v
}

// TaxID is t as its ["number","format"] pair, or nil.
func TaxID(t *gatehouse.TaxID) *[2]string {
	if t == nil {
		return nil
	}
	return &[2]string{t.Number, t.Format}
}

// AvatarURL is the Gravatar URL of email, or nil without an email.
func AvatarURL(email *string) *string {
	if email == nil {
		return nil
	}
	u := string(AppendAvatarURL(nil, *email))
	return &u
}

// AppendAvatarURL appends the Gravatar URL of email (sha256 of the
// lower-cased address, ?d=404), as Polar shows it; it needs no JSON
// escaping.
func AppendAvatarURL(b []byte, email string) []byte {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	b = append(b, "https://www.gravatar.com/avatar/"...)
	b = hex.AppendEncode(b, sum[:])
	return append(b, "?d=404"...)
}
