package gatehouse

import "time"

// Reasons a session ended before its expiry, kept in Session.RevokedReason.
const (
	RevokedByMerchant = "revoked" // DELETE /v1/customer-sessions/{id} or bulk revoke
	RevokedByLogout   = "logout"  // the customer logged out
	RevokedLeaked     = "leaked"  // reported by secret scanning
)

// Reasons a bearer token fails, sent as "reason" in 401 invalid_token bodies.
const (
	ReasonExpired   = "expired"
	ReasonRevoked   = "revoked"
	ReasonUnknown   = "unknown"
	ReasonMalformed = "malformed"
)

// Session is a customer session: a short-lived bearer credential for one
// customer's portal. Only the HMAC digest of its token is stored.
type Session struct {
	ID             string
	OrganizationID string
	CustomerID     string
	TokenHash      string
	CreatedAt      time.Time
	ModifiedAt     *time.Time
	ExpiresAt      time.Time
	ReturnURL      *string
	Metadata       Metadata
	RevokedAt      *time.Time
	RevokedReason  *string
	// Usage record, written at most once a minute (see Store.TouchSession).
	LastUsedAt        *time.Time
	LastUsedIP        *string
	LastUsedUserAgent *string
}

// State classifies s at now: "" when it may authenticate, else
// ReasonRevoked or ReasonExpired.
func (s *Session) State(now time.Time) string {
	switch {
	case s.RevokedAt != nil:
		return ReasonRevoked
	case !s.ExpiresAt.After(now):
		return ReasonExpired
	}
	return ""
}

// SessionEvent builds the webhook event that reports a session change
// (customer_session.created, customer_session.revoked) from the session as
// the change left it. A store calls it inside the change's transaction,
// and only when an endpoint of the organization may want it, so a change
// nobody listens to pays nothing for its payload (session create is the
// hot write). It must not retain s.
type SessionEvent func(s *Session) (Event, error)

// SessionFilter narrows a session list (newest first).
type SessionFilter struct {
	CustomerID string
	// Active: true keeps sessions neither expired nor revoked at Now; false
	// keeps only the others.
	Active *bool
	Now    time.Time
	Page   Page
}

// LoginCode is a one-time code e-mailed to a customer. Only its HMAC digest
// is stored.
type LoginCode struct {
	ID             string
	OrganizationID string
	CustomerID     string
	CodeHash       string
	Email          string // the address the code was sent to
	CreatedAt      time.Time
	ExpiresAt      time.Time
}
