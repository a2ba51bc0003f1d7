package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testOrganizations(t *testing.T, s gatehouse.Store) {
	o := &gatehouse.Organization{ID: uniq("org-"), Name: "Acme", Slug: "acme", AvatarURL: new("https://x/a.png"), CreatedAt: T0}
	mustOK(t, s.CreateOrganization(ctx, o), "create organization")
	for _, get := range []func() (*gatehouse.Organization, error){
		func() (*gatehouse.Organization, error) { return s.Organization(ctx, o.ID) },
		func() (*gatehouse.Organization, error) { return s.OrganizationBySlug(ctx, "acme") },
	} {
		got, err := get()
		mustOK(t, err, "get organization")
		want := *o
		want.CreatedAt = utcMicro(o.CreatedAt)
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("organization: got %+v, want %+v", got, &want)
		}
	}
	dup := &gatehouse.Organization{ID: uniq("org-"), Name: "Other", Slug: "acme", CreatedAt: T0}
	wantCode(t, s.CreateOrganization(ctx, dup), gatehouse.EConflict, "duplicate slug")
	_, err := s.Organization(ctx, dup.ID)
	wantCode(t, err, gatehouse.ENotFound, "organization with a taken slug")
	_, err = s.OrganizationBySlug(ctx, "nope")
	wantCode(t, err, gatehouse.ENotFound, "unknown slug")
}

func testAccessTokens(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	tok := &gatehouse.AccessToken{ID: uniq("tok-"), OrganizationID: org.ID, TokenHash: "aa11",
		Scopes: []gatehouse.Scope{gatehouse.ScopeCustomersRead, gatehouse.ScopeCustomerSessionsWrite}, CreatedAt: T0, ExpiresAt: new(at(time.Hour))}
	mustOK(t, s.CreateAccessToken(ctx, tok), "create token")
	got, err := s.AccessTokenByHash(ctx, []string{"zz99", "aa11"})
	mustOK(t, err, "token by hash")
	want := *tok
	want.CreatedAt, want.ExpiresAt = utcMicro(T0), utcMicroPtr(tok.ExpiresAt)
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("token: got %+v, want %+v", got, &want)
	}
	_, err = s.AccessTokenByHash(ctx, []string{"zz99"})
	wantCode(t, err, gatehouse.ENotFound, "unknown token hash")
	_, err = s.AccessTokenByHash(ctx, nil)
	wantCode(t, err, gatehouse.ENotFound, "no hashes")

	ok, err := s.RevokeAccessToken(ctx, tok.ID, at(time.Minute))
	if err != nil || !ok {
		t.Fatalf("revoke: got %v, %v; want true, nil", ok, err)
	}
	ok, err = s.RevokeAccessToken(ctx, tok.ID, at(2*time.Minute))
	if err != nil || ok {
		t.Fatalf("revoke again: got %v, %v; want false, nil", ok, err)
	}
	ok, err = s.RevokeAccessToken(ctx, "missing", at(2*time.Minute))
	if err != nil || ok {
		t.Fatalf("revoke unknown: got %v, %v; want false, nil", ok, err)
	}
	got, err = s.AccessTokenByHash(ctx, []string{"aa11"})
	mustOK(t, err, "revoked token by hash")
	if got.RevokedAt == nil || !got.RevokedAt.Equal(utcMicro(at(time.Minute))) || got.Live(at(time.Minute)) {
		t.Fatalf("revoked token: got revoked_at %v, want %v (first revocation)", got.RevokedAt, at(time.Minute))
	}
}

func testCustomerRoundTrip(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "ada@example.com")
	got, err := s.Customer(ctx, org.ID, c.ID)
	mustOK(t, err, "get customer")
	sameCustomer(t, got, c, "customer by id")
	if n, ok := got.Metadata["ratio"].(json.Number); !ok || n.String() != "1.5" {
		t.Fatalf("metadata ratio: got %#v, want json.Number(\"1.5\")", got.Metadata["ratio"])
	}
	got, err = s.CustomerByExternalID(ctx, org.ID, *c.ExternalID)
	mustOK(t, err, "get by external id")
	sameCustomer(t, got, c, "customer by external id")
	got, err = s.CustomerByEmail(ctx, org.ID, "ADA@Example.COM")
	mustOK(t, err, "get by email")
	sameCustomer(t, got, c, "customer by email, other case")

	// A team customer with only the required fields.
	team := &gatehouse.Customer{ID: uniq("cus-"), OrganizationID: org.ID, CreatedAt: T0, Type: gatehouse.CustomerTeam}
	mustOK(t, s.CreateCustomer(ctx, team), "create bare team customer")
	got, err = s.Customer(ctx, org.ID, team.ID)
	mustOK(t, err, "get team customer")
	sameCustomer(t, got, team, "team customer")
	if got.Metadata == nil || len(got.Metadata) != 0 {
		t.Fatalf("nil metadata: got %#v, want empty map", got.Metadata)
	}
	// Several team customers without email do not collide.
	team2 := &gatehouse.Customer{ID: uniq("cus-"), OrganizationID: org.ID, CreatedAt: T0, Type: gatehouse.CustomerTeam}
	mustOK(t, s.CreateCustomer(ctx, team2), "second customer without email")

	// Metadata number texts survive exactly.
	m := gatehouse.Metadata{"a": json.Number("1.0"), "b": json.Number("-0.25"), "c": json.Number("12345678901234567890"),
		"d": false, "e": "", "f": "ünï\"cødé'", "g": json.Number("1e3")}
	mc := newCustomer(org, "meta@example.com")
	mc.Metadata = m
	mustOK(t, s.CreateCustomer(ctx, mc), "create with metadata")
	got, err = s.Customer(ctx, org.ID, mc.ID)
	mustOK(t, err, "get metadata customer")
	if !reflect.DeepEqual(got.Metadata, m) {
		t.Fatalf("metadata round trip: got %#v, want %#v", got.Metadata, m)
	}
	for _, id := range []string{"missing", ""} {
		_, err = s.Customer(ctx, org.ID, id)
		wantCode(t, err, gatehouse.ENotFound, "unknown customer "+id)
	}
}

func testTimeRoundTrip(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	paris, _ := time.LoadLocation("Europe/Paris")
	times := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(1999, 12, 31, 23, 0, 0, 1000, paris),
		time.Date(2038, 1, 19, 3, 14, 8, 123456789, time.FixedZone("x", -7*3600)),
		time.Date(1969, 7, 20, 20, 17, 40, 500, time.UTC),
		time.Now(), // with a monotonic reading
	}
	for i, tm := range times {
		c := newCustomer(org, uniq("time")+"@example.com")
		c.CreatedAt, c.ModifiedAt, c.DeletedAt = tm, new(tm.Add(time.Nanosecond)), nil
		mustOK(t, s.CreateCustomer(ctx, c), "create")
		got, err := s.Customer(ctx, org.ID, c.ID)
		mustOK(t, err, "get")
		want := tm.UTC().Truncate(time.Microsecond)
		if got.CreatedAt != want || got.CreatedAt.Location() != time.UTC {
			t.Fatalf("time %d: got %v (%v), want %v exactly (UTC)", i, got.CreatedAt, got.CreatedAt.Location(), want)
		}
		if wantMod := tm.Add(time.Nanosecond).UTC().Truncate(time.Microsecond); *got.ModifiedAt != wantMod {
			t.Fatalf("modified_at %d: got %v, want %v", i, *got.ModifiedAt, wantMod)
		}
		ss := mustSession(t, s, c, tm)
		gs, _, err := s.SessionByHash(ctx, []string{ss.TokenHash})
		mustOK(t, err, "session by hash")
		if gs.ExpiresAt != want || gs.CreatedAt != utcMicro(T0) {
			t.Fatalf("session times %d: got %v / %v, want %v / %v", i, gs.ExpiresAt, gs.CreatedAt, want, utcMicro(T0))
		}
	}
}

func testCustomerUniqueness(t *testing.T, s gatehouse.Store) {
	org, other := mustOrg(t, s), mustOrg(t, s)
	a := mustCustomer(t, s, org, "dup@example.com")

	emailOnly := newCustomer(org, "DUP@example.COM")
	err := s.CreateCustomer(ctx, emailOnly)
	wantFields(t, err, []string{"email"}, "email taken, other case")

	extOnly := newCustomer(org, "fresh@example.com")
	extOnly.ExternalID = a.ExternalID
	wantFields(t, s.CreateCustomer(ctx, extOnly), []string{"external_id"}, "external id taken")

	both := newCustomer(org, "dup@example.com")
	both.ExternalID = a.ExternalID
	wantFields(t, s.CreateCustomer(ctx, both), []string{"email", "external_id"}, "both taken")

	// External IDs are case-sensitive; another organization is separate.
	caseExt := newCustomer(org, "case@example.com")
	caseExt.ExternalID = new(*a.ExternalID + "X")
	mustOK(t, s.CreateCustomer(ctx, caseExt), "different external id")
	o2 := newCustomer(other, "dup@example.com")
	o2.ExternalID = a.ExternalID
	mustOK(t, s.CreateCustomer(ctx, o2), "same email and external id in another organization")

	// Nothing of the failed creates was stored.
	for _, c := range []*gatehouse.Customer{emailOnly, extOnly, both} {
		_, err := s.Customer(ctx, org.ID, c.ID)
		wantCode(t, err, gatehouse.ENotFound, "customer of a failed create")
	}
}

// testCustomerUnicodeEmail checks that email lookups and the uniqueness
// index fold non-ASCII case as they fold ASCII case, as Polar's
// lower(email) comparison in PostgreSQL does: SQLite's lower() and NOCASE
// fold only ASCII, so the store keeps its own lower-cased key. The store is
// given addresses already normalized by validate.Email, which turns the
// Unicode, upper-case and xn-- spellings of a domain into one string
// ("MÜLLER@bücher.de"); the local part keeps its case there.
func testCustomerUnicodeEmail(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "MÜLLER@bücher.de")
	for _, e := range []string{"MÜLLER@bücher.de", "müller@bücher.de", "Müller@BÜCHER.DE"} {
		got, err := s.CustomerByEmail(ctx, org.ID, e)
		mustOK(t, err, "customer by email "+e)
		sameCustomer(t, got, c, "customer by email "+e)
	}
	wantFields(t, s.CreateCustomer(ctx, newCustomer(org, "müller@bücher.de")), []string{"email"},
		"email taken, other non-ASCII case")
	other := mustCustomer(t, s, org, "mueller@bücher.de")
	other.Email = new("müller@BÜCHER.de")
	wantFields(t, s.UpdateCustomer(ctx, other), []string{"email"}, "update to an email taken in another non-ASCII case")
	// Look-alikes are other addresses: Cyrillic а, and ß (IDNA2008 keeps it).
	mustCustomer(t, s, org, "jane@exаmple.com")
	mustCustomer(t, s, org, "jane@example.com")
	mustCustomer(t, s, org, "user@straße.de")
	mustCustomer(t, s, org, "user@strasse.de")
}

// wantFields fails unless err is EConflict with field errors at exactly
// locs (in order).
func wantFields(t *testing.T, err error, locs []string, what string) {
	t.Helper()
	wantCode(t, err, gatehouse.EConflict, what)
	var ge *gatehouse.Error
	if !errors.As(err, &ge) {
		t.Fatalf("%s: got %T, want *gatehouse.Error", what, err)
	}
	var got []string
	for _, f := range ge.Fields {
		got = append(got, f.Loc[len(f.Loc)-1].(string))
	}
	if !reflect.DeepEqual(got, locs) {
		t.Fatalf("%s: got field errors at %v, want %v", what, got, locs)
	}
}
