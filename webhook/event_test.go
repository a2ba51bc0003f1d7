package webhook

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const customerJSON = `{"id":"9c1e4a52-8d3f-4b7a-9e2c-5f6a7b8c9d0e","created_at":"2026-10-01T12:00:00Z",` +
	`"modified_at":"2026-10-01T12:30:00.123456Z","metadata":{"plan":"pro","seats":3},"external_id":"u_123",` +
	`"email":"ada@example.com","email_verified":true,"type":"individual","name":"Ada <Lovelace>",` +
	`"billing_name":null,"billing_address":{"line1":"1 Main St","line2":null,"postal_code":"10001","city":"New York","state":"US-NY","country":"US"},` +
	`"tax_id":["123","us_ein"],"locale":"en","organization_id":"0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",` +
	`"default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":null}`

func envelope(typ, data string) []byte {
	return []byte(`{"type":"` + typ + `","timestamp":"2026-10-01T12:30:00.5Z","data":` + data + `}`)
}

func mustParse(t *testing.T, body []byte) *Event {
	t.Helper()
	e, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse(%s): %v", body, err)
	}
	return e
}

func TestParseCustomerEvents(t *testing.T) {
	for _, typ := range []string{EventCustomerCreated, EventCustomerUpdated, EventCustomerDeleted} {
		e := mustParse(t, envelope(typ, customerJSON))
		if e.Type != typ {
			t.Errorf("Type = %q, want %q", e.Type, typ)
		}
		if want := time.Date(2026, 10, 1, 12, 30, 0, 5e8, time.UTC); !e.Timestamp.Equal(want) || e.Timestamp.Location() != time.UTC {
			t.Errorf("Timestamp = %v, want %v", e.Timestamp, want)
		}
		c, err := e.Customer()
		if err != nil {
			t.Fatalf("%s: Customer(): %v", typ, err)
		}
		if c.ID != "9c1e4a52-8d3f-4b7a-9e2c-5f6a7b8c9d0e" || *c.Email != "ada@example.com" || !c.EmailVerified ||
			c.BillingAddress.Country != "US" || c.TaxID[1] != "us_ein" || c.Metadata["plan"] != "pro" {
			t.Errorf("%s: Customer() = %+v", typ, c)
		}
		if _, err := e.CustomerState(); err == nil {
			t.Errorf("%s: CustomerState() gave no error", typ)
		}
	}
}

func TestParseCustomerStateChanged(t *testing.T) {
	data := strings.TrimSuffix(customerJSON, "}") + `,"active_subscriptions":[],"granted_benefits":[],"active_meters":[]}`
	e := mustParse(t, envelope(EventCustomerStateChanged, data))
	s, err := e.CustomerState()
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "9c1e4a52-8d3f-4b7a-9e2c-5f6a7b8c9d0e" || s.ActiveSubscriptions == nil || len(s.GrantedBenefits) != 0 {
		t.Errorf("CustomerState() = %+v", s)
	}
	if _, err := e.Customer(); err == nil {
		t.Error("Customer() of a state_changed event gave no error")
	}
}

func TestParseCustomerSessionEvents(t *testing.T) {
	const session = `{"id":"5e6f","created_at":"2026-10-01T12:00:00Z","modified_at":null,"expires_at":"2026-10-01T13:00:00Z",` +
		`"revoked_at":"2026-10-01T12:30:00Z","revoked_reason":"logout","last_used_at":null,"last_used_ip":null,` +
		`"last_used_user_agent":null,"return_url":null,"metadata":{},"customer_id":"9c1e"}`
	for _, typ := range []string{EventCustomerSessionCreated, EventCustomerSessionRevoked} {
		s, err := mustParse(t, envelope(typ, session)).CustomerSession()
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if s.ID != "5e6f" || s.CustomerID != "9c1e" || *s.RevokedReason != "logout" || s.RevokedAt == nil {
			t.Errorf("%s: CustomerSession() = %+v", typ, s)
		}
	}
}

func TestParseUnknownType(t *testing.T) {
	e := mustParse(t, envelope("order.created", `{"id":"o_1","amount":1e3}`))
	if string(e.Data) != `{"id":"o_1","amount":1e3}` {
		t.Errorf("Data = %s, want the raw payload", e.Data)
	}
	if _, err := e.Customer(); err == nil {
		t.Error("Customer() of an order event gave no error")
	}
}

func TestParseRejects(t *testing.T) {
	for _, body := range []string{
		``,
		`[]`,
		`{"type":"customer.created"`,
		`{"timestamp":"2026-10-01T12:00:00Z","data":{}}`,
		`{"type":"customer.created","data":{}}`,
		`{"type":"customer.created","timestamp":"yesterday","data":{}}`,
		`{"type":"customer.created","timestamp":"2026-10-01T12:00:00Z"}`,
		`{"type":"customer.created","timestamp":"2026-10-01T12:00:00Z","data":null}`,
		`{"type":"customer.created","timestamp":"2026-10-01T12:00:00Z","data":{"id":7}}`,
		`{"type":"customer.state_changed","timestamp":"2026-10-01T12:00:00Z","data":[]}`,
		`{"type":"customer_session.revoked","timestamp":"2026-10-01T12:00:00Z","data":"x"}`,
	} {
		if e, err := Parse([]byte(body)); err == nil {
			t.Errorf("Parse(%s) = %+v, want an error", body, e)
		}
	}
}

func TestParseKeepsData(t *testing.T) {
	// Data is the payload's own bytes, so a receiver can store or forward
	// it unchanged.
	e := mustParse(t, envelope(EventCustomerCreated, customerJSON))
	if !json.Valid(e.Data) || string(e.Data) != customerJSON {
		t.Errorf("Data = %s, want %s", e.Data, customerJSON)
	}
}

func TestParseTimestampOffset(t *testing.T) {
	body := []byte(`{"type":"customer.created","timestamp":"2026-10-01T14:30:00+02:00","data":` + customerJSON + `}`)
	e := mustParse(t, body)
	if want := time.Date(2026, 10, 1, 12, 30, 0, 0, time.UTC); e.Timestamp != want {
		t.Errorf("Timestamp = %v, want %v", e.Timestamp, want)
	}
}
