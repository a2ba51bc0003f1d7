package wire

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/jsjson"
)

// Envelope is a webhook payload as Polar sends it: {"type","timestamp",
// "data"}, in that order.
type Envelope struct {
	Type      string       `json:"type"`
	Timestamp apitype.Time `json:"timestamp"`
	Data      any          `json:"data"`
}

// Event is the webhook event of type typ about a customer of an
// organization at at, its payload the envelope around data written as
// JavaScript's JSON.stringify would (receivers that re-serialize the body
// before verifying it still verify).
func Event(typ, orgID, customerID string, at time.Time, data any) (gatehouse.Event, error) {
	b, err := jsjson.Marshal(Envelope{Type: typ, Timestamp: apitype.NewTime(at), Data: data})
	if err != nil {
		return gatehouse.Event{}, fmt.Errorf("%s payload of customer %s: %w", typ, customerID, err)
	}
	return gatehouse.Event{Type: typ, OrganizationID: orgID, CustomerID: customerID, Timestamp: at, Payload: b}, nil
}

// Session is s as the session-management endpoints and the
// customer_session webhooks show it: never with its token.
func Session(s *gatehouse.Session) apitype.SessionInfo {
	return apitype.SessionInfo{
		ID:                s.ID,
		CreatedAt:         apitype.NewTime(s.CreatedAt),
		ModifiedAt:        apitype.NewTimePtr(s.ModifiedAt),
		ExpiresAt:         apitype.NewTime(s.ExpiresAt),
		RevokedAt:         apitype.NewTimePtr(s.RevokedAt),
		RevokedReason:     s.RevokedReason,
		LastUsedAt:        apitype.NewTimePtr(s.LastUsedAt),
		LastUsedIP:        s.LastUsedIP,
		LastUsedUserAgent: s.LastUsedUserAgent,
		ReturnURL:         s.ReturnURL,
		Metadata:          Metadata(s.Metadata),
		CustomerID:        s.CustomerID,
	}
}

// SessionCreated is the customer_session.created event of s, stamped with
// its creation; the login service passes it to Store.CreateSession.
func SessionCreated(s *gatehouse.Session) (gatehouse.Event, error) {
	return Event(gatehouse.EventCustomerSessionCreated, s.OrganizationID, s.CustomerID, s.CreatedAt, Session(s))
}

// SessionRevoked is the customer_session.revoked event of s as its
// revocation left it, stamped with the revocation; every revocation path
// (merchant, logout, secret scanning) passes it to the store's revoke.
func SessionRevoked(s *gatehouse.Session) (gatehouse.Event, error) {
	at := s.CreatedAt
	if s.RevokedAt != nil {
		at = *s.RevokedAt
	}
	return Event(gatehouse.EventCustomerSessionRevoked, s.OrganizationID, s.CustomerID, at, Session(s))
}

var (
	_ gatehouse.SessionEvent = SessionCreated
	_ gatehouse.SessionEvent = SessionRevoked
)
