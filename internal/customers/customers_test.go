package customers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/jsjson"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/webhook"
)

// t0 has nanoseconds, so tests see the truncation to microseconds.
var t0 = time.Date(2026, 8, 22, 10, 0, 0, 123456789, time.UTC)

// fixture is the service on a real SQLite store, with one organization and
// a clock the test moves.
type fixture struct {
	t     *testing.T
	store gatehouse.Store
	svc   *Service
	now   time.Time
	org   string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	f := &fixture{t: t, store: st, now: t0}
	f.svc = New(st, func() time.Time { return f.now })
	o := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: t0}
	if err := st.CreateOrganization(ctx, o); err != nil {
		t.Fatalf("CreateOrganization: %v", err)
	}
	f.org = o.ID
	return f
}

// mustCreate creates an individual customer with email and, if not
// empty, external ID.
func (f *fixture) mustCreate(email, ext string) *gatehouse.Customer {
	f.t.Helper()
	in := gatehouse.CustomerCreate{Customer: gatehouse.Customer{Type: gatehouse.CustomerIndividual, Email: &email, Metadata: gatehouse.Metadata{}}}
	if ext != "" {
		in.Customer.ExternalID = &ext
	}
	c, err := f.svc.CreateCustomer(context.Background(), f.org, in)
	if err != nil {
		f.t.Fatalf("CreateCustomer(%s): %v", email, err)
	}
	return c
}

// fieldTypes returns the (type, last loc element) of each field error of
// an EInvalid err, failing the test for any other error.
func fieldTypes(t *testing.T, err error) [][2]string {
	t.Helper()
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code != gatehouse.EInvalid || e.Schema {
		t.Fatalf("err = %v, want an EInvalid business-rule error", err)
	}
	var out [][2]string
	for _, fe := range e.Fields {
		out = append(out, [2]string{fe.Type, fe.Loc[len(fe.Loc)-1].(string)})
	}
	return out
}

func TestCreate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.mustCreate("jane@gmail.com", "usr_1")
	if c.ID == "" || c.OrganizationID != f.org || !c.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
		t.Errorf("created = id %q org %q at %v, want an ID, %s, %v", c.ID, c.OrganizationID, c.CreatedAt, f.org, t0.Truncate(time.Microsecond))
	}
	if got, err := f.store.Customer(ctx, f.org, c.ID); err != nil || *got.Email != "jane@gmail.com" {
		t.Fatalf("stored = %v, %v", got, err)
	}

	// Both uniqueness problems at once, case-insensitive email.
	email, ext := "JANE@gmail.com", "usr_1"
	_, err := f.svc.CreateCustomer(ctx, f.org, gatehouse.CustomerCreate{Customer: gatehouse.Customer{Type: gatehouse.CustomerIndividual, Email: &email, ExternalID: &ext}})
	if got, want := fieldTypes(t, err), [][2]string{{"value_error", "email"}, {"value_error", "external_id"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("duplicate create: %v, want %v", got, want)
	}

	// organization_id is refused before anything else is checked.
	org := gatehouse.NewID()
	_, err = f.svc.CreateCustomer(ctx, f.org, gatehouse.CustomerCreate{Customer: gatehouse.Customer{Email: &email}, OrganizationID: &org})
	if got := fieldTypes(t, err); len(got) != 1 || got[0] != [2]string{"organization_token", "organization_id"} {
		t.Errorf("organization_id: %v", got)
	}

	// A tax ID needs a country, and is validated against it.
	other, tax := "tax@gmail.com", "FR61954506077"
	_, err = f.svc.CreateCustomer(ctx, f.org, gatehouse.CustomerCreate{Customer: gatehouse.Customer{Type: gatehouse.CustomerIndividual, Email: &other}, TaxID: &tax})
	if got := fieldTypes(t, err); len(got) != 1 || got[0] != [2]string{"missing", "billing_address"} {
		t.Errorf("tax ID without address: %v", got)
	}
	in := gatehouse.CustomerCreate{Customer: gatehouse.Customer{Type: gatehouse.CustomerIndividual, Email: &other,
		BillingAddress: &gatehouse.Address{Country: "FR"}, Metadata: gatehouse.Metadata{}}, TaxID: &tax}
	c, err = f.svc.CreateCustomer(ctx, f.org, in)
	if err != nil || c.TaxID == nil || *c.TaxID != (gatehouse.TaxID{Number: "FR61954506077", Format: "eu_vat"}) {
		t.Errorf("create with FR VAT: %v, %v", c, err)
	}
}

func TestUpdateRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustCreate("taken@gmail.com", "taken")
	c := f.mustCreate("jane@gmail.com", "usr_1")
	team := gatehouse.CustomerTeam
	c.Type = team // as if upgraded
	if err := f.store.UpdateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	before := *c

	// Every violation together: the uniqueness ones first.
	email, ext, indiv, tax := "TAKEN@gmail.com", "usr_2", gatehouse.CustomerIndividual, "FR61954506077"
	_, err := f.svc.UpdateCustomer(ctx, c, gatehouse.CustomerPatch{Email: &email, ExternalIDSet: true, ExternalID: &ext,
		TypeSet: true, Type: &indiv, BillingChange: gatehouse.BillingChange{BillingAddressNull: true, TaxIDSet: true, TaxID: &tax}})
	want := [][2]string{{"value_error", "email"}, {"value_error", "external_id"}, {"value_error", "type"},
		{"value_error", "billing_address"}, {"missing", "billing_address"}}
	if got := fieldTypes(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("violations = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(*c, before) {
		t.Errorf("a refused update changed its input: %+v, was %+v", *c, before)
	}

	// The same external ID is not a change; a new email clears the
	// verification; the input value stays as it was.
	c.EmailVerified = true
	f.now = f.now.Add(time.Minute)
	newEmail, same := "new@gmail.com", "usr_1"
	got, err := f.svc.UpdateCustomer(ctx, c, gatehouse.CustomerPatch{Email: &newEmail, ExternalIDSet: true, ExternalID: &same})
	if err != nil {
		t.Fatalf("UpdateCustomer: %v", err)
	}
	if *got.Email != newEmail || got.EmailVerified || got.ModifiedAt == nil || !got.ModifiedAt.Equal(f.now.Truncate(time.Microsecond)) {
		t.Errorf("updated = email %q verified %v modified %v", *got.Email, got.EmailVerified, got.ModifiedAt)
	}
	if *c.Email != "jane@gmail.com" || !c.EmailVerified {
		t.Errorf("the input customer changed: %q %v", *c.Email, c.EmailVerified)
	}
	if stored, _ := f.store.Customer(ctx, f.org, c.ID); *stored.Email != newEmail {
		t.Errorf("stored email = %q, want %q", *stored.Email, newEmail)
	}

	// A customer without an external ID may get one, once.
	d := f.mustCreate("d@gmail.com", "")
	if d, err = f.svc.UpdateCustomer(ctx, d, gatehouse.CustomerPatch{ExternalIDSet: true, ExternalID: &ext}); err != nil || *d.ExternalID != ext {
		t.Fatalf("set external ID: %v, %v", d, err)
	}
	_, err = f.svc.UpdateCustomer(ctx, d, gatehouse.CustomerPatch{ExternalIDSet: true})
	if got := fieldTypes(t, err); len(got) != 1 || got[0] != [2]string{"value_error", "external_id"} {
		t.Errorf("reset external ID: %v", got)
	}
}

// TestTaxRevalidated: the stored tax ID is checked again when an address
// of another country replaces the one it was valid for, on both surfaces.
func TestTaxRevalidated(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	email, tax := "biz@gmail.com", "FR61954506077"
	c, err := f.svc.CreateCustomer(ctx, f.org, gatehouse.CustomerCreate{Customer: gatehouse.Customer{Type: gatehouse.CustomerIndividual,
		Email: &email, BillingAddress: &gatehouse.Address{Country: "FR"}}, TaxID: &tax})
	if err != nil {
		t.Fatal(err)
	}
	de := &gatehouse.Address{Country: "DE"}
	_, err = f.svc.UpdateCustomer(ctx, c, gatehouse.CustomerPatch{BillingChange: gatehouse.BillingChange{BillingAddress: de}})
	if got := fieldTypes(t, err); len(got) != 1 || got[0][1] != "tax_id" {
		t.Errorf("merchant: FR VAT under a DE address: %v, want a tax_id error", got)
	}
	_, err = f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{BillingChange: gatehouse.BillingChange{BillingAddress: de}})
	if got := fieldTypes(t, err); len(got) != 1 || got[0][1] != "tax_id" {
		t.Errorf("portal: FR VAT under a DE address: %v, want a tax_id error", got)
	}
	// Removing the tax ID with the move is fine.
	got, err := f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{BillingChange: gatehouse.BillingChange{BillingAddress: de, TaxIDSet: true}})
	if err != nil || got.TaxID != nil || got.BillingAddress.Country != "DE" {
		t.Errorf("move and drop tax ID: %v, %v", got, err)
	}
}

func TestUpdateBilling(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.mustCreate("jane@gmail.com", "usr_1")
	pm := gatehouse.NewID()
	_, err := f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{BillingChange: gatehouse.BillingChange{BillingAddressNull: true}, DefaultPaymentMethodSet: true, DefaultPaymentMethodID: &pm})
	if got, want := fieldTypes(t, err), [][2]string{{"missing", "billing_address"}, {"invalid", "default_payment_method_id"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("portal violations = %v, want %v", got, want)
	}
	_, err = f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{DefaultPaymentMethodSet: true})
	if got := fieldTypes(t, err); len(got) != 1 || got[0] != [2]string{"missing", "default_payment_method_id"} {
		t.Errorf("null payment method: %v", got)
	}
	name := "Jane Ltd"
	f.now = f.now.Add(time.Hour)
	got, err := f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{BillingName: &name, BillingChange: gatehouse.BillingChange{BillingAddress: &gatehouse.Address{Country: "US"}}})
	if err != nil {
		t.Fatalf("UpdateBilling: %v", err)
	}
	if *got.BillingName != name || got.BillingAddress.Country != "US" || *got.Email != "jane@gmail.com" || *got.ExternalID != "usr_1" {
		t.Errorf("after billing patch: %+v", got)
	}
	if c.BillingName != nil {
		t.Errorf("the input customer changed: billing name %q", *c.BillingName)
	}
}

func TestVerifyEmail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.mustCreate("Jane@gmail.com", "")
	same, err := f.svc.VerifyEmail(ctx, c, "other@gmail.com")
	if err != nil || same.EmailVerified || same.ModifiedAt != nil {
		t.Errorf("another address verified the email: %+v, %v", same, err)
	}
	got, err := f.svc.VerifyEmail(ctx, c, "jane@GMAIL.com")
	if err != nil || !got.EmailVerified || got.ModifiedAt == nil {
		t.Fatalf("VerifyEmail: %+v, %v", got, err)
	}
	if stored, _ := f.store.Customer(ctx, f.org, c.ID); !stored.EmailVerified {
		t.Errorf("verification not stored")
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	c := f.mustCreate("jane@gmail.com", "usr_1")
	d, err := f.svc.DeleteCustomer(ctx, c, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.DeletedAt == nil || d.ExternalID != nil || d.Metadata["__external_id"] != "usr_1" || *d.Email != "jane@gmail.com" {
		t.Errorf("deleted = %+v", d)
	}
	if c.DeletedAt != nil || c.ExternalID == nil {
		t.Errorf("the input customer changed: %+v", c)
	}
	if _, err := f.store.Customer(ctx, f.org, c.ID); !errors.Is(err, gatehouse.ErrNotFound) {
		t.Errorf("deleted customer found: %v", err)
	}
	// The email and external ID are free again.
	f.mustCreate("jane@gmail.com", "usr_1")
}

func TestAnonymize(t *testing.T) {
	created := time.Date(2026, 8, 22, 10, 0, 0, 123456000, time.UTC)
	email, name, bname := "jane@gmail.com", "Jane", "Jane Ltd"
	c := &gatehouse.Customer{CreatedAt: created, Email: &email, EmailVerified: true, Name: &name, BillingName: &bname,
		BillingAddress: &gatehouse.Address{Country: "FR"}, Metadata: gatehouse.Metadata{}}
	anonymizeCustomer(c, created.Add(time.Hour))
	hash := func(s string) string {
		sum := sha256.Sum256([]byte("2026-08-22T10:00:00.123456+00:00" + s))
		return hex.EncodeToString(sum[:])
	}
	if *c.Email != hash(email)+"@anonymized.polar.sh" || c.EmailVerified || *c.Name != hash(name) ||
		*c.BillingName != hash(bname) || c.BillingAddress != nil || c.Metadata["__anonymized_at"] != "2026-08-22T11:00:00.123456+00:00" {
		t.Errorf("anonymized = email %q verified %v name %q billing %q address %v meta %v", *c.Email, c.EmailVerified, *c.Name, *c.BillingName, c.BillingAddress, c.Metadata)
	}
	biz := &gatehouse.Customer{CreatedAt: created, Name: &name, TaxID: &gatehouse.TaxID{Number: "1", Format: "us_ein"}, Metadata: gatehouse.Metadata{}}
	anonymizeCustomer(biz, created)
	if *biz.Name != name || biz.TaxID == nil {
		t.Errorf("business anonymized: name %q tax %v, want both kept", *biz.Name, biz.TaxID)
	}
	if got := pythonISO(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); got != "2026-01-02T03:04:05+00:00" {
		t.Errorf("pythonISO without microseconds = %q", got)
	}
}

// TestDeleteAnonymized: through the store, an anonymized customer keeps
// no personal data and its metadata says when.
func TestDeleteAnonymized(t *testing.T) {
	f := newFixture(t)
	c := f.mustCreate("jane@gmail.com", "usr_1")
	d, err := f.svc.DeleteCustomer(context.Background(), c, true)
	if err != nil {
		t.Fatal(err)
	}
	if *d.Email == "jane@gmail.com" || d.Metadata["__anonymized_at"] == nil || d.Metadata["__external_id"] != "usr_1" {
		t.Errorf("anonymized delete = %+v", d)
	}
}

// jobQueue is a WebhookQueue that keeps the jobs it was given, in order.
type jobQueue struct{ jobs []gatehouse.WebhookJob }

func (q *jobQueue) EnqueueTx(_ context.Context, _ any, jobs []gatehouse.WebhookJob) error {
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// TestEvents: every write of the service reports itself to a subscribed
// endpoint, then customer.state_changed, with the customer as the API shows
// it; a refused change reports nothing.
func TestEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := &jobQueue{}
	f.store.(*sqlstore.Store).SetWebhookQueue(q)
	ep := &gatehouse.WebhookEndpoint{ID: gatehouse.NewID(), OrganizationID: f.org, CreatedAt: t0, URL: "https://example.com/hook",
		Format: gatehouse.WebhookFormatRaw, Secret: webhook.NewSecret(), Enabled: true,
		Events: []string{gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated, gatehouse.EventCustomerDeleted, gatehouse.EventCustomerStateChanged}}
	if err := f.store.CreateWebhookEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	// next returns the events enqueued since the last call, parsed.
	seen := 0
	next := func() []*webhook.Event {
		t.Helper()
		var out []*webhook.Event
		for _, j := range q.jobs[seen:] {
			a, err := f.store.BeginWebhookAttempt(ctx, j.EventID, true, gatehouse.WebhookClaim{})
			if err != nil || a == nil || a.Event.Payload == nil {
				t.Fatalf("BeginWebhookAttempt(%s) = %v, %v", j.EventID, a, err)
			}
			body := []byte(*a.Event.Payload)
			if canon, err := jsjson.Canonical(body); err != nil || string(canon) != string(body) {
				t.Errorf("payload is not what JSON.stringify(JSON.parse(payload)) gives: %s", body)
			}
			ev, err := webhook.Parse(body)
			if err != nil || ev.Type != a.Event.Type {
				t.Fatalf("Parse(%s) = %v, %v", body, ev, err)
			}
			out = append(out, ev)
		}
		seen = len(q.jobs)
		return out
	}
	types := func(evs []*webhook.Event) []string {
		var ts []string
		for _, e := range evs {
			ts = append(ts, e.Type)
		}
		return ts
	}

	c := f.mustCreate("jane@gmail.com", "usr_1")
	evs := next()
	if got, want := types(evs), []string{gatehouse.EventCustomerCreated, gatehouse.EventCustomerStateChanged}; !reflect.DeepEqual(got, want) {
		t.Fatalf("create: events %v, want %v", got, want)
	}
	if cu, err := evs[0].Customer(); err != nil || cu.ID != c.ID || *cu.Email != "jane@gmail.com" || cu.DeletedAt != nil {
		t.Errorf("customer.created data = %+v, %v", cu, err)
	}
	if st, err := evs[1].CustomerState(); err != nil || st.ID != c.ID || st.ActiveSubscriptions == nil {
		t.Errorf("customer.state_changed data = %+v, %v", st, err)
	}

	// Refused: nothing reported.
	if _, err := f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{BillingChange: gatehouse.BillingChange{BillingAddressNull: true}}); err == nil {
		t.Fatal("reset address accepted")
	}
	if evs := next(); len(evs) != 0 {
		t.Errorf("a refused change reported %v", types(evs))
	}

	// The portal's billing patch and the code's verification are updates.
	name := "Jane Ltd"
	if c, _ = f.svc.UpdateBilling(ctx, c, gatehouse.BillingPatch{BillingName: &name}); c == nil {
		t.Fatal("UpdateBilling failed")
	}
	evs = next()
	if got := types(evs); len(got) != 2 || got[0] != gatehouse.EventCustomerUpdated {
		t.Fatalf("portal patch: events %v", got)
	}
	if cu, _ := evs[0].Customer(); cu == nil || cu.BillingName == nil || *cu.BillingName != name {
		t.Errorf("customer.updated after the portal patch = %+v", cu)
	}
	if c, _ = f.svc.VerifyEmail(ctx, c, "jane@gmail.com"); c == nil {
		t.Fatal("VerifyEmail failed")
	}
	if evs = next(); len(evs) != 2 || evs[0].Type != gatehouse.EventCustomerUpdated {
		t.Fatalf("verification: events %v", types(evs))
	} else if cu, _ := evs[0].Customer(); cu == nil || !cu.EmailVerified {
		t.Errorf("customer.updated after verification = %+v", cu)
	}

	// A deleted customer as Polar shows it.
	if _, err := f.svc.DeleteCustomer(ctx, c, false); err != nil {
		t.Fatal(err)
	}
	evs = next()
	if got := types(evs); len(got) != 2 || got[0] != gatehouse.EventCustomerDeleted {
		t.Fatalf("delete: events %v", got)
	}
	if cu, _ := evs[0].Customer(); cu == nil || cu.DeletedAt == nil || cu.ExternalID != nil || cu.Metadata["__external_id"] != "usr_1" {
		t.Errorf("customer.deleted data = %+v", cu)
	}
}
