package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testCustomerUpdate(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	a := mustCustomer(t, s, org, "a@example.com")
	b := mustCustomer(t, s, org, "b@example.com")

	upd := *a
	upd.Email = new("A2@example.com")
	upd.Name, upd.BillingName, upd.BillingAddress, upd.TaxID, upd.Locale = nil, new("New Billing"), nil, nil, nil
	upd.Metadata = gatehouse.Metadata{"k": json.Number("2")}
	upd.ModifiedAt = new(at(time.Hour))
	mustOK(t, s.UpdateCustomer(ctx, &upd), "update")
	got, err := s.Customer(ctx, org.ID, a.ID)
	mustOK(t, err, "get updated")
	sameCustomer(t, got, &upd, "updated customer")

	// Keeping its own email and external ID is not a conflict.
	mustOK(t, s.UpdateCustomer(ctx, got), "update unchanged")

	clash := *b
	clash.Email = new("a2@EXAMPLE.com")
	clash.ExternalID = a.ExternalID
	wantFields(t, s.UpdateCustomer(ctx, &clash), []string{"email", "external_id"}, "update onto taken email and external id")
	got, err = s.Customer(ctx, org.ID, b.ID)
	mustOK(t, err, "get b")
	sameCustomer(t, got, b, "b after failed update")

	missing := newCustomer(org, "a2@example.com")
	wantCode(t, s.UpdateCustomer(ctx, missing), gatehouse.ENotFound, "update unknown customer with a taken email")
}

func testCustomerSoftDelete(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	a := mustCustomer(t, s, org, "gone@example.com")
	ss := mustSession(t, s, a, at(time.Hour))
	if _, _, err := s.SessionByHash(ctx, []string{ss.TokenHash}); err != nil {
		t.Fatalf("session before delete: %v", err)
	}
	del := *a
	del.DeletedAt = new(at(time.Minute))
	mustOK(t, s.UpdateCustomer(ctx, &del), "soft delete")

	_, err := s.Customer(ctx, org.ID, a.ID)
	wantCode(t, err, gatehouse.ENotFound, "deleted customer by id")
	_, err = s.CustomerByEmail(ctx, org.ID, "gone@example.com")
	wantCode(t, err, gatehouse.ENotFound, "deleted customer by email")
	_, err = s.CustomerByExternalID(ctx, org.ID, *a.ExternalID)
	wantCode(t, err, gatehouse.ENotFound, "deleted customer by external id")
	_, _, err = s.SessionByHash(ctx, []string{ss.TokenHash})
	wantCode(t, err, gatehouse.ENotFound, "session of a deleted customer")
	wantCode(t, s.UpdateCustomer(ctx, &del), gatehouse.ENotFound, "update deleted customer")
	list, total, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Page: gatehouse.Page{Page: 1, Limit: 10}})
	mustOK(t, err, "list")
	if total != 0 || len(list) != 0 {
		t.Fatalf("list after delete: got %d rows, total %d; want none", len(list), total)
	}

	// Email and external ID are free again.
	again := newCustomer(org, "GONE@example.com")
	again.ExternalID = a.ExternalID
	mustOK(t, s.CreateCustomer(ctx, again), "reuse email and external id")
	got, err := s.CustomerByEmail(ctx, org.ID, "gone@example.com")
	mustOK(t, err, "new customer by email")
	if got.ID != again.ID {
		t.Fatalf("by email after reuse: got %s, want %s", got.ID, again.ID)
	}
	// Deleting a second time with the same email still works.
	del2 := *again
	del2.DeletedAt = new(at(2 * time.Minute))
	mustOK(t, s.UpdateCustomer(ctx, &del2), "delete the reuser")
}

func testCustomerIsolation(t *testing.T, s gatehouse.Store) {
	mine, theirs := mustOrg(t, s), mustOrg(t, s)
	c := mustCustomer(t, s, theirs, "iso@example.com")
	_, err := s.Customer(ctx, mine.ID, c.ID)
	wantCode(t, err, gatehouse.ENotFound, "other org customer by id")
	_, err = s.CustomerByExternalID(ctx, mine.ID, *c.ExternalID)
	wantCode(t, err, gatehouse.ENotFound, "other org customer by external id")
	_, err = s.CustomerByEmail(ctx, mine.ID, *c.Email)
	wantCode(t, err, gatehouse.ENotFound, "other org customer by email")

	hijack := *c
	hijack.OrganizationID = mine.ID
	hijack.Name = new("Hijacked")
	wantCode(t, s.UpdateCustomer(ctx, &hijack), gatehouse.ENotFound, "update other org customer")
	del := hijack
	del.DeletedAt = new(T0)
	wantCode(t, s.UpdateCustomer(ctx, &del), gatehouse.ENotFound, "delete other org customer")
	got, err := s.Customer(ctx, theirs.ID, c.ID)
	mustOK(t, err, "owner reads customer")
	sameCustomer(t, got, c, "customer after another org's update attempts")

	for _, f := range []gatehouse.CustomerFilter{{}, {Email: *c.Email}, {Query: "iso"}, {OrganizationIDs: []string{theirs.ID}}} {
		f.Page = gatehouse.Page{Page: 1, Limit: 10}
		list, total, err := s.ListCustomers(ctx, mine.ID, f)
		mustOK(t, err, "list")
		if len(list) != 0 || total != 0 {
			t.Fatalf("list of mine with %+v: got %d rows, total %d; want none", f, len(list), total)
		}
	}
	n := 0
	mustOK(t, s.EachCustomer(ctx, mine.ID, func(*gatehouse.Customer) error { n++; return nil }), "each")
	if n != 0 {
		t.Fatalf("EachCustomer of mine: got %d customers, want 0", n)
	}
}

func testEachCustomer(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	var want []string
	for i := range 5 {
		c := newCustomer(org, uniq("each")+"@example.com")
		c.CreatedAt = at(time.Duration(5-i) * time.Second) // created newest first
		mustOK(t, s.CreateCustomer(ctx, c), "create")
		want = append([]string{c.ID}, want...)
	}
	gone := mustCustomer(t, s, org, "each-gone@example.com")
	gone.DeletedAt = new(T0)
	mustOK(t, s.UpdateCustomer(ctx, gone), "delete")
	var got []string
	mustOK(t, s.EachCustomer(ctx, org.ID, func(c *gatehouse.Customer) error { got = append(got, c.ID); return nil }), "each")
	if len(got) != len(want) {
		t.Fatalf("EachCustomer: got %v, want %v (oldest first)", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("EachCustomer: got %v, want %v (oldest first)", got, want)
		}
	}
	stop := errSentinel{}
	n := 0
	err := s.EachCustomer(ctx, org.ID, func(*gatehouse.Customer) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("EachCustomer stopping: got %v after %d calls, want the callback's error after 1", err, n)
	}
}

type errSentinel struct{}

func (errSentinel) Error() string { return "stop" }
