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

// MaxSlugLen is the longest organization slug, in bytes.
const MaxSlugLen = 64

// ValidSlug reports whether s may be an organization's slug: 1 to
// MaxSlugLen lowercase ASCII letters, digits and hyphens, not starting with
// a hyphen. A slug is part of portal URLs, cookie paths and redirects, so
// nothing in it may need escaping; only lowercase, so that one organization
// has one URL.
//
// Every slug Polar makes passes (Polar keeps a slug only when slugify leaves
// it unchanged: lowercase ASCII letters and digits joined by single hyphens,
// at least 3 of them). ValidSlug does not refuse the shorter slugs and
// trailing or doubled hyphens that "gatehouse org create" has always
// accepted, because stored slugs must keep resolving.
func ValidSlug(s string) bool {
	if len(s) == 0 || len(s) > MaxSlugLen || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
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
