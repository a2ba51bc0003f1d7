// Package storetest is the conformance suite of gatehouse.Store: every
// backend runs Run against fresh databases. It also provides
// PostgresDSN and SQLiteDSN, fresh test databases for other packages'
// tests.
//
// Times are injected: every test passes explicit times derived from T0, so
// expiry and windows are tested without sleeping.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// T0 is the suite's reference time; it has nanoseconds so that tests see
// the truncation to microseconds.
var T0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

// Run runs the whole conformance suite. open must return a fresh, migrated,
// empty store for each call, closed by the test's cleanup, opened with a
// Sealer for webhook secrets (see Sealer and the Webhooks group).
func Run(t *testing.T, open func(t *testing.T) gatehouse.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s gatehouse.Store)
	}{
		{"Ping", testPing},
		{"Organizations", testOrganizations},
		{"AccessTokens", testAccessTokens},
		{"CustomerRoundTrip", testCustomerRoundTrip},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"CustomerUniqueness", testCustomerUniqueness},
		{"CustomerUnicodeEmail", testCustomerUnicodeEmail},
		{"CustomerUpdate", testCustomerUpdate},
		{"CustomerSoftDelete", testCustomerSoftDelete},
		{"CustomerIsolation", testCustomerIsolation},
		{"ListCustomersFilters", testListFilters},
		{"ListCustomersMetadata", testListMetadata},
		{"ListCustomersSorting", testListSorting},
		{"ListCustomersPaging", testListPaging},
		{"ListCustomersAfterWrites", testListAfterWrites},
		{"ListsSeeWrites", func(t *testing.T, s gatehouse.Store) { ListsSeeOtherPools(t, []gatehouse.Store{s}) }},
		{"EachCustomer", testEachCustomer},
		{"Sessions", testSessions},
		{"SessionByHashStates", testSessionStates},
		{"SessionIsolation", testSessionIsolation},
		{"ListSessions", testListSessions},
		{"RevokeCustomerSessions", testRevokeCustomerSessions},
		{"TouchSession", testTouchSession},
		{"LoginCodes", testLoginCodes},
		{"LoginCodeMaxLive", testLoginCodeMaxLive},
		{"RateLimit", testRateLimit},
		{"RateLimitKeysAndWindows", testRateLimitWindows},
		{"Purge", testPurge},
		{"HostileStrings", testHostileStrings},
		{"ConcurrentCreates", func(t *testing.T, s gatehouse.Store) { ConcurrentCreates(t, []gatehouse.Store{s}) }},
		{"ConcurrentRedeem", func(t *testing.T, s gatehouse.Store) { ConcurrentRedeem(t, []gatehouse.Store{s}) }},
		{"ConcurrentRateLimit", func(t *testing.T, s gatehouse.Store) { ConcurrentRateLimit(t, []gatehouse.Store{s}) }},
		{"ConcurrentListsAndWrites", func(t *testing.T, s gatehouse.Store) { ConcurrentListsAndWrites(t, []gatehouse.Store{s}) }},
		{"Webhooks", testWebhooks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var ctx = context.Background()

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code gatehouse.ErrorCode, what string) {
	t.Helper()
	if got := gatehouse.ErrorCodeOf(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// mustOK fails the test on err.
func mustOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

var seq atomic.Int64

// uniq returns a string unique within the test process.
func uniq(prefix string) string {
	return fmt.Sprintf("%s%d-%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

// at returns T0 plus d.
func at(d time.Duration) time.Time { return T0.Add(d) }

// mustOrg creates an organization.
func mustOrg(t *testing.T, s gatehouse.Store) *gatehouse.Organization {
	t.Helper()
	o := &gatehouse.Organization{ID: uniq("org-"), Name: "Acme", Slug: uniq("acme-"), CreatedAt: T0}
	mustOK(t, s.CreateOrganization(ctx, o), "create organization")
	return o
}

// newCustomer returns a customer of org with every field set.
func newCustomer(org *gatehouse.Organization, email string) *gatehouse.Customer {
	return &gatehouse.Customer{
		ID:             uniq("cus-"),
		OrganizationID: org.ID,
		CreatedAt:      T0,
		Metadata:       gatehouse.Metadata{"plan": "pro", "seats": json.Number("3"), "ratio": json.Number("1.5"), "beta": true},
		ExternalID:     new(uniq("ext-")),
		Email:          new(email),
		EmailVerified:  true,
		Type:           gatehouse.CustomerIndividual,
		Name:           new("Ada Lovelace"),
		BillingName:    new("Analytical Engines Ltd"),
		BillingAddress: &gatehouse.Address{Line1: new("1 Main St"), City: new("Springfield"), State: new("US-IL"), PostalCode: new("62701"), Country: "US"},
		TaxID:          &gatehouse.TaxID{Number: "FR61954506077", Format: "eu_vat"},
		Locale:         new("en-US"),
	}
}

// mustCustomer creates a customer of org.
func mustCustomer(t *testing.T, s gatehouse.Store, org *gatehouse.Organization, email string) *gatehouse.Customer {
	t.Helper()
	c := newCustomer(org, email)
	mustOK(t, s.CreateCustomer(ctx, c), "create customer "+email)
	return c
}

// mustSession creates a session of c expiring at expires.
func mustSession(t *testing.T, s gatehouse.Store, c *gatehouse.Customer, expires time.Time) *gatehouse.Session {
	t.Helper()
	ss := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: c.OrganizationID, CustomerID: c.ID,
		TokenHash: uniq("hash-"), CreatedAt: T0, ExpiresAt: expires, Metadata: gatehouse.Metadata{}}
	mustOK(t, s.CreateSession(ctx, ss), "create session")
	return ss
}

// utcMicro is t as a store gives it back.
func utcMicro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcMicroPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := utcMicro(*t)
	return &v
}

// wantCustomer is c as a store gives it back.
func wantCustomer(c *gatehouse.Customer) *gatehouse.Customer {
	w := *c
	w.CreatedAt, w.ModifiedAt, w.DeletedAt = utcMicro(c.CreatedAt), utcMicroPtr(c.ModifiedAt), utcMicroPtr(c.DeletedAt)
	if w.Metadata == nil {
		w.Metadata = gatehouse.Metadata{}
	}
	return &w
}

// sameCustomer fails unless got equals want as stored.
func sameCustomer(t *testing.T, got, want *gatehouse.Customer, what string) {
	t.Helper()
	if w := wantCustomer(want); !reflect.DeepEqual(got, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, dump(got), dump(w))
	}
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func testPing(t *testing.T, s gatehouse.Store) {
	mustOK(t, s.Ping(ctx), "ping")
}
