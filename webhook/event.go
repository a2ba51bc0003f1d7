package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

// Event types Gatehouse sends. The customer events are Polar's, with
// Polar's payloads; the customer-session events are Gatehouse's own and are
// sent only to endpoints that subscribe to them.
const (
	EventCustomerCreated      = "customer.created"
	EventCustomerUpdated      = "customer.updated"
	EventCustomerDeleted      = "customer.deleted"
	EventCustomerStateChanged = "customer.state_changed"

	EventCustomerSessionCreated = "customer_session.created"
	EventCustomerSessionRevoked = "customer_session.revoked"
)

// Event is a decoded delivery: the envelope {"type","timestamp","data"}.
// Data is always the raw JSON of the payload, whatever the type; the typed
// accessors decode it for the types this package knows.
type Event struct {
	// Type is the event type, such as "customer.created".
	Type string
	// Timestamp is when the event was created (the same on every retry),
	// in UTC.
	Timestamp time.Time
	// Data is the payload, undecoded.
	Data json.RawMessage
}

// Parse decodes a delivery body (verify it first, with Verify). The
// envelope must have a type, a timestamp and data; for a type this package
// knows, data must decode into its type, so the accessor for it will not
// fail. An unknown type is not an error: new event types reach an old
// receiver as an Event with only Data.
func Parse(body []byte) (*Event, error) {
	var env struct {
		Type      string          `json:"type"`
		Timestamp *apitype.Time   `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("webhook: parse event: %w", err)
	}
	switch {
	case env.Type == "":
		return nil, errors.New("webhook: parse event: no type")
	case env.Timestamp == nil:
		return nil, fmt.Errorf("webhook: parse %s event: no timestamp", env.Type)
	case len(env.Data) == 0 || string(env.Data) == "null":
		return nil, fmt.Errorf("webhook: parse %s event: no data", env.Type)
	}
	e := &Event{Type: env.Type, Timestamp: env.Timestamp.Time, Data: env.Data}
	var err error
	switch {
	case slices.Contains(customerTypes, e.Type):
		_, err = e.Customer()
	case e.Type == EventCustomerStateChanged:
		_, err = e.CustomerState()
	case slices.Contains(sessionTypes, e.Type):
		_, err = e.CustomerSession()
	}
	if err != nil {
		return nil, err
	}
	return e, nil
}

var (
	customerTypes = []string{EventCustomerCreated, EventCustomerUpdated, EventCustomerDeleted}
	sessionTypes  = []string{EventCustomerSessionCreated, EventCustomerSessionRevoked}
)

// Customer decodes the payload of a customer.created, customer.updated or
// customer.deleted event: the customer as the merchant API returns it (a
// deleted one has DeletedAt set, and its external id moved to
// metadata["__external_id"], as Polar does).
func (e *Event) Customer() (*apitype.Customer, error) {
	return decodeData[apitype.Customer](e, customerTypes...)
}

// CustomerState decodes the payload of a customer.state_changed event: the
// customer with its billing state.
func (e *Event) CustomerState() (*apitype.CustomerState, error) {
	return decodeData[apitype.CustomerState](e, EventCustomerStateChanged)
}

// CustomerSession decodes the payload of a customer_session.created or
// customer_session.revoked event: the session as the session-management
// endpoints show it, never with its token.
func (e *Event) CustomerSession() (*apitype.SessionInfo, error) {
	return decodeData[apitype.SessionInfo](e, sessionTypes...)
}

// decodeData decodes e.Data into a T if e is of one of types.
func decodeData[T any](e *Event, types ...string) (*T, error) {
	if !slices.Contains(types, e.Type) {
		return nil, fmt.Errorf("webhook: a %s event does not carry a %T", e.Type, *new(T))
	}
	v := new(T)
	if err := json.Unmarshal(e.Data, v); err != nil {
		return nil, fmt.Errorf("webhook: parse %s event data: %w", e.Type, err)
	}
	return v, nil
}
