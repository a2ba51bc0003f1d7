package gatehouse

import (
	"slices"
	"strings"
	"time"
)

// Organization is a merchant: it owns customers, access tokens and sessions.
type Organization struct {
	ID         string
	Name       string
	Slug       string
	AvatarURL  *string
	CreatedAt  time.Time
	ModifiedAt *time.Time
}

// Scope is a permission an organization access token carries.
type Scope string

// Scopes known to Gatehouse.
const (
	ScopeCustomersRead         Scope = "customers:read"
	ScopeCustomersWrite        Scope = "customers:write"
	ScopeCustomerSessionsRead  Scope = "customer_sessions:read"
	ScopeCustomerSessionsWrite Scope = "customer_sessions:write"
	ScopeCustomerPortalRead    Scope = "customer_portal:read"
	ScopeCustomerPortalWrite   Scope = "customer_portal:write"
	ScopeWebhooksRead          Scope = "webhooks:read"
	ScopeWebhooksWrite         Scope = "webhooks:write"
)

// OrganizationScopes lists the scopes an organization access token may be
// created with.
var OrganizationScopes = []Scope{
	ScopeCustomersRead, ScopeCustomersWrite,
	ScopeCustomerSessionsRead, ScopeCustomerSessionsWrite,
	ScopeWebhooksRead, ScopeWebhooksWrite,
}

// ParseScopes splits a comma- or space-separated scope list, rejecting
// unknown scopes. Duplicates are removed; order is kept.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := Scope(f)
		if !slices.Contains(OrganizationScopes, sc) {
			return nil, Errorf(EInvalid, "unknown scope %q (known: %s)", f, JoinScopes(OrganizationScopes))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, Errorf(EInvalid, "at least one scope is required")
	}
	return out, nil
}

// JoinScopes joins scopes with single spaces, the stored and wire form.
func JoinScopes(scopes []Scope) string {
	ss := make([]string, len(scopes))
	for i, s := range scopes {
		ss[i] = string(s)
	}
	return strings.Join(ss, " ")
}

// AccessToken is an organization access token. Only the HMAC digest of the
// raw token is ever stored.
type AccessToken struct {
	ID             string
	OrganizationID string
	// TokenHash is the lowercase hex HMAC-SHA256 of the raw token under the
	// current secret at creation time.
	TokenHash  string
	Scopes     []Scope
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never expires
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// HasAnyScope reports whether t carries at least one of scopes.
func (t *AccessToken) HasAnyScope(scopes ...Scope) bool {
	for _, s := range scopes {
		if slices.Contains(t.Scopes, s) {
			return true
		}
	}
	return false
}

// Live reports whether t may authenticate at now.
func (t *AccessToken) Live(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(now))
}
