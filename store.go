package gatehouse

import (
	"context"
	"time"
)

// Store is the persistence contract. Every tenant-owned method takes the
// organization ID and treats another organization's row exactly like a
// missing one (ErrNotFound). Methods return *Error values with code
// ENotFound, EConflict or EUnavailable for the cases documented, and wrap
// anything else. Times are stored in UTC at microsecond precision.
//
// internal/storetest is the conformance suite every implementation passes.
type Store interface {
	WebhookStore
	// Ping reports whether the database answers (EUnavailable if not).
	Ping(ctx context.Context) error

	// CreateOrganization inserts o. A taken slug is EConflict.
	CreateOrganization(ctx context.Context, o *Organization) error
	// Organization returns the organization with id, or ENotFound.
	Organization(ctx context.Context, id string) (*Organization, error)
	// OrganizationBySlug returns the organization with slug, or ENotFound.
	OrganizationBySlug(ctx context.Context, slug string) (*Organization, error)

	// CreateAccessToken inserts t.
	CreateAccessToken(ctx context.Context, t *AccessToken) error
	// AccessTokenByHash returns the token whose digest is one of hashes
	// (one digest per configured secret), whatever its state, or ENotFound.
	AccessTokenByHash(ctx context.Context, hashes []string) (*AccessToken, error)
	// RevokeAccessToken marks the token revoked at now. It reports false
	// when the token was already revoked or does not exist.
	RevokeAccessToken(ctx context.Context, id string, now time.Time) (bool, error)

	// CreateCustomer inserts c and writes events (see Event) in the same
	// transaction, after the customer row. An email (case-insensitive) or
	// external ID already used by a live customer of the organization is
	// EConflict carrying ErrEmailTaken / ErrExternalIDTaken field errors
	// (both when both are taken), and writes no event.
	CreateCustomer(ctx context.Context, c *Customer, events ...Event) error
	// Customer returns a live customer, or ENotFound.
	Customer(ctx context.Context, orgID, id string) (*Customer, error)
	// CustomerByExternalID returns a live customer, or ENotFound.
	CustomerByExternalID(ctx context.Context, orgID, externalID string) (*Customer, error)
	// CustomerByEmail returns the live customer with that email
	// (case-insensitive), or ENotFound.
	CustomerByEmail(ctx context.Context, orgID, email string) (*Customer, error)
	// UpdateCustomer writes every field of c to the live row with c.ID in
	// c.OrganizationID (ENotFound if there is none). Setting DeletedAt
	// soft-deletes it: from then on it is invisible, its sessions stop
	// authenticating and its email and external ID may be reused. Uniqueness
	// is enforced as in CreateCustomer. The events are written in the same
	// transaction, after the customer row, so that for one customer their
	// order is the order the changes commit in; a failed update writes none.
	UpdateCustomer(ctx context.Context, c *Customer, events ...Event) error
	// ListCustomers returns one page of live customers matching f and the
	// total count of matches. The customers are immutable values: a store
	// may share them with a cache (callers must not change them), and never
	// changes one it returned (a write makes a new value).
	ListCustomers(ctx context.Context, orgID string, f CustomerFilter) ([]*Customer, int, error)
	// EachCustomer calls fn for every live customer of the organization, oldest
	// first, streaming (for CSV export).
	EachCustomer(ctx context.Context, orgID string, fn func(*Customer) error) error

	// CreateSession inserts s. Each of events (see SessionEvent) is called
	// with s and its Event written in the same transaction, only when an
	// endpoint of the organization may subscribe to customer_session
	// events; a failed insert writes none.
	CreateSession(ctx context.Context, s *Session, events ...SessionEvent) error
	// SessionByHash is the token check: one indexed lookup of the session
	// whose digest is one of hashes, joined with its customer. It returns the
	// session whatever its expiry or revocation (the caller classifies it with
	// Session.State) and ENotFound when there is no such session or its
	// customer is deleted.
	SessionByHash(ctx context.Context, hashes []string) (*Session, *Customer, error)
	// Session returns one session of the organization, or ENotFound.
	Session(ctx context.Context, orgID, id string) (*Session, error)
	// ListSessions returns a page of the organization's sessions (newest
	// first) and the total count.
	ListSessions(ctx context.Context, orgID string, f SessionFilter) ([]*Session, int, error)
	// RevokeSession revokes one live session. ENotFound if it does not exist
	// in the organization; revoking an already revoked or expired session is
	// not an error and keeps the first revocation. events are called with
	// the session as revoked (RevokedAt, RevokedReason, ModifiedAt set) and
	// written in the same transaction; a session it did not revoke has none.
	RevokeSession(ctx context.Context, orgID, id, reason string, now time.Time, events ...SessionEvent) error
	// RevokeCustomerSessions revokes every live session of the customer and
	// returns how many it revoked, calling each of events once per revoked
	// session (as revoked) and writing the Events in the same transaction.
	RevokeCustomerSessions(ctx context.Context, orgID, customerID, reason string, now time.Time, events ...SessionEvent) (int, error)
	// TouchSession records a use of the session (time, client IP, user
	// agent) unless one was recorded less than a minute before at.
	TouchSession(ctx context.Context, id string, at time.Time, ip, userAgent string) error

	// CreateLoginCode inserts c, then deletes the customer's oldest live codes
	// beyond maxLive, in one transaction.
	CreateLoginCode(ctx context.Context, c *LoginCode, maxLive int) error
	// RedeemLoginCode atomically deletes and returns the unexpired code whose
	// digest is one of hashes. Of concurrent redemptions of one code exactly
	// one succeeds; the others, and unknown or expired codes, get ENotFound.
	RedeemLoginCode(ctx context.Context, hashes []string, now time.Time) (*LoginCode, error)

	// RateLimit records one event for key at now and reports whether it is
	// allowed. Counters live in the database so that every instance sharing
	// it sees the same counts. When an event would exceed any of limits, the
	// key is blocked until now+block; while blocked every event is refused.
	// A refused event returns allowed=false and how long to wait.
	RateLimit(ctx context.Context, key string, limits []RateLimit, block time.Duration, now time.Time) (allowed bool, retryAfter time.Duration, err error)

	// Purge deletes sessions and login codes that expired before now, and
	// rate-limit windows and blocks that are over. It returns the number of
	// rows deleted.
	Purge(ctx context.Context, now time.Time) (int, error)
}

// CustomerListSharer is implemented by a Store that may answer different
// ListCustomers calls with the same *Customer values (an in-memory index
// hands out what it holds). Since listed customers are immutable, a caller
// may then keep something derived from a customer keyed by the pointer
// itself, and find it again on the next list.
type CustomerListSharer interface {
	// SharesListedCustomers reports whether ListCustomers shares values
	// between calls. false: every call returns fresh values, and a cache
	// keyed by them would only churn.
	SharesListedCustomers() bool
}

// SharesListedCustomers reports whether s is a CustomerListSharer that
// says it shares its listed customers.
func SharesListedCustomers(s Store) bool {
	ls, ok := s.(CustomerListSharer)
	return ok && ls.SharesListedCustomers()
}

// RateLimit allows at most Max events per Window.
type RateLimit struct {
	Max    int
	Window time.Duration
}

// ErrEmailTaken is the field error for a customer email already in use.
func ErrEmailTaken(email string) FieldError {
	return FieldError{Type: "value_error", Loc: []any{"body", "email"}, Msg: "A customer with this email address already exists.", Input: email}
}

// ErrExternalIDTaken is the field error for a customer external ID already in use.
func ErrExternalIDTaken(externalID string) FieldError {
	return FieldError{Type: "value_error", Loc: []any{"body", "external_id"}, Msg: "A customer with this external ID already exists.", Input: externalID}
}

// Conflict returns an EConflict error carrying the field errors.
func Conflict(fields ...FieldError) *Error {
	return &Error{Code: EConflict, Message: "Conflict.", Fields: fields}
}
