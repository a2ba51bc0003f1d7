package storetest

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testSessions(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "s@example.com")
	ss := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: org.ID, CustomerID: c.ID, TokenHash: "h1",
		CreatedAt: T0, ExpiresAt: at(time.Hour), ReturnURL: new("https://shop.example/back?x=1"),
		Metadata: gatehouse.Metadata{"src": "app", "v": json.Number("2.50")}}
	mustOK(t, s.CreateSession(ctx, ss), "create session")
	want := *ss
	want.CreatedAt, want.ExpiresAt = utcMicro(T0), utcMicro(at(time.Hour))

	got, gc, err := s.SessionByHash(ctx, []string{"old-secret-digest", "h1"})
	mustOK(t, err, "session by hash")
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("session by hash:\n got %s\nwant %s", dump(got), dump(&want))
	}
	sameCustomer(t, gc, c, "customer of session")
	got, err = s.Session(ctx, org.ID, ss.ID)
	mustOK(t, err, "session by id")
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("session by id:\n got %s\nwant %s", dump(got), dump(&want))
	}
	_, _, err = s.SessionByHash(ctx, []string{"nope"})
	wantCode(t, err, gatehouse.ENotFound, "unknown hash")
	_, _, err = s.SessionByHash(ctx, nil)
	wantCode(t, err, gatehouse.ENotFound, "no hashes")
	dup := *ss
	dup.ID = uniq("ses-")
	if err := s.CreateSession(ctx, &dup); err == nil {
		t.Fatal("create session with a stored token hash: got nil error, want one")
	}
}

func testSessionStates(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "st@example.com")
	live := mustSession(t, s, c, at(time.Hour))
	expired := mustSession(t, s, c, at(-time.Second))
	revoked := mustSession(t, s, c, at(time.Hour))
	mustOK(t, s.RevokeSession(ctx, org.ID, revoked.ID, gatehouse.RevokedByLogout, at(time.Minute)), "revoke")
	now := at(2 * time.Minute)
	for _, tc := range []struct {
		s     *gatehouse.Session
		state string
	}{{live, ""}, {expired, gatehouse.ReasonExpired}, {revoked, gatehouse.ReasonRevoked}} {
		got, _, err := s.SessionByHash(ctx, []string{tc.s.TokenHash})
		mustOK(t, err, "session by hash")
		if st := got.State(now); st != tc.state {
			t.Fatalf("session %s: got state %q, want %q", tc.s.ID, st, tc.state)
		}
	}
	got, err := s.Session(ctx, org.ID, revoked.ID)
	mustOK(t, err, "get revoked")
	if got.RevokedAt == nil || *got.RevokedAt != utcMicro(at(time.Minute)) || got.RevokedReason == nil || *got.RevokedReason != gatehouse.RevokedByLogout ||
		got.ModifiedAt == nil || *got.ModifiedAt != utcMicro(at(time.Minute)) {
		t.Fatalf("revoked session: got %s", dump(got))
	}
	// Revoking again keeps the first revocation; revoking an expired one
	// leaves it as it is; neither is an error.
	mustOK(t, s.RevokeSession(ctx, org.ID, revoked.ID, gatehouse.RevokedByMerchant, at(time.Hour)), "revoke again")
	got, _ = s.Session(ctx, org.ID, revoked.ID)
	if *got.RevokedReason != gatehouse.RevokedByLogout || *got.RevokedAt != utcMicro(at(time.Minute)) {
		t.Fatalf("second revocation changed the first: got %s", dump(got))
	}
	mustOK(t, s.RevokeSession(ctx, org.ID, expired.ID, gatehouse.RevokedByMerchant, now), "revoke expired")
	got, _ = s.Session(ctx, org.ID, expired.ID)
	if got.RevokedAt != nil {
		t.Fatalf("revoking an expired session: got revoked_at %v, want nil", got.RevokedAt)
	}
	wantCode(t, s.RevokeSession(ctx, org.ID, "missing", "x", now), gatehouse.ENotFound, "revoke unknown session")
}

func testSessionIsolation(t *testing.T, s gatehouse.Store) {
	mine, theirs := mustOrg(t, s), mustOrg(t, s)
	c := mustCustomer(t, s, theirs, "si@example.com")
	ss := mustSession(t, s, c, at(time.Hour))
	_, err := s.Session(ctx, mine.ID, ss.ID)
	wantCode(t, err, gatehouse.ENotFound, "other org session by id")
	wantCode(t, s.RevokeSession(ctx, mine.ID, ss.ID, "x", T0), gatehouse.ENotFound, "revoke other org session")
	n, err := s.RevokeCustomerSessions(ctx, mine.ID, c.ID, "x", T0)
	if err != nil || n != 0 {
		t.Fatalf("revoke other org customer's sessions: got %d, %v; want 0, nil", n, err)
	}
	list, total, err := s.ListSessions(ctx, mine.ID, gatehouse.SessionFilter{CustomerID: c.ID, Page: gatehouse.Page{Page: 1, Limit: 10}})
	if err != nil || len(list) != 0 || total != 0 {
		t.Fatalf("list other org sessions: got %d rows, total %d, err %v; want none", len(list), total, err)
	}
	got, err := s.Session(ctx, theirs.ID, ss.ID)
	mustOK(t, err, "owner reads session")
	if got.RevokedAt != nil {
		t.Fatalf("session revoked by another organization: %s", dump(got))
	}
}

func testListSessions(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c1 := mustCustomer(t, s, org, "l1@example.com")
	c2 := mustCustomer(t, s, org, "l2@example.com")
	mk := func(c *gatehouse.Customer, created, expires time.Duration) string {
		ss := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: org.ID, CustomerID: c.ID, TokenHash: uniq("h-"),
			CreatedAt: at(created), ExpiresAt: at(expires)}
		mustOK(t, s.CreateSession(ctx, ss), "create")
		return ss.ID
	}
	a := mk(c1, 1*time.Second, time.Hour)
	b := mk(c1, 2*time.Second, time.Minute) // expired at now
	r := mk(c1, 3*time.Second, time.Hour)
	d := mk(c2, 4*time.Second, time.Hour)
	now := at(time.Minute)
	mustOK(t, s.RevokeSession(ctx, org.ID, r, "x", at(10*time.Second)), "revoke")
	tests := []struct {
		name string
		f    gatehouse.SessionFilter
		want []string
	}{
		{"all, newest first", gatehouse.SessionFilter{}, []string{d, r, b, a}},
		{"customer", gatehouse.SessionFilter{CustomerID: c1.ID}, []string{r, b, a}},
		{"active", gatehouse.SessionFilter{Active: new(true), Now: now}, []string{d, a}},
		{"inactive", gatehouse.SessionFilter{Active: new(false), Now: now}, []string{r, b}},
		{"customer active", gatehouse.SessionFilter{CustomerID: c1.ID, Active: new(true), Now: now}, []string{a}},
	}
	for _, tc := range tests {
		tc.f.Page = gatehouse.Page{Page: 1, Limit: 10}
		list, total, err := s.ListSessions(ctx, org.ID, tc.f)
		mustOK(t, err, tc.name)
		var ids []string
		for _, ss := range list {
			ids = append(ids, ss.ID)
		}
		if !slices.Equal(ids, tc.want) || total != len(tc.want) {
			t.Fatalf("%s: got %v (total %d), want %v", tc.name, ids, total, tc.want)
		}
	}
	list, total, err := s.ListSessions(ctx, org.ID, gatehouse.SessionFilter{Page: gatehouse.Page{Page: 2, Limit: 3}})
	if err != nil || total != 4 || len(list) != 1 || list[0].ID != a {
		t.Fatalf("page 2 of 3: got %d rows, total %d, err %v; want [%s], 4", len(list), total, err, a)
	}
	list, total, err = s.ListSessions(ctx, org.ID, gatehouse.SessionFilter{Page: gatehouse.Page{Page: 5, Limit: 3}})
	if err != nil || total != 4 || len(list) != 0 {
		t.Fatalf("page past the end: got %d rows, total %d, err %v; want 0, 4", len(list), total, err)
	}
}

func testRevokeCustomerSessions(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c, other := mustCustomer(t, s, org, "rc@example.com"), mustCustomer(t, s, org, "rc2@example.com")
	s1, s2 := mustSession(t, s, c, at(time.Hour)), mustSession(t, s, c, at(time.Hour))
	mustSession(t, s, c, at(time.Second)) // expired at now
	pre := mustSession(t, s, c, at(time.Hour))
	keep := mustSession(t, s, other, at(time.Hour))
	mustOK(t, s.RevokeSession(ctx, org.ID, pre.ID, gatehouse.RevokedByLogout, at(time.Second)), "revoke one")
	n, err := s.RevokeCustomerSessions(ctx, org.ID, c.ID, gatehouse.RevokedByMerchant, at(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("revoke customer sessions: got %d, %v; want 2, nil", n, err)
	}
	for _, ss := range []*gatehouse.Session{s1, s2} {
		got, _, err := s.SessionByHash(ctx, []string{ss.TokenHash})
		mustOK(t, err, "get")
		if got.State(at(time.Minute)) != gatehouse.ReasonRevoked || *got.RevokedReason != gatehouse.RevokedByMerchant {
			t.Fatalf("session %s after bulk revoke: %s", ss.ID, dump(got))
		}
	}
	got, _ := s.Session(ctx, org.ID, pre.ID)
	if *got.RevokedReason != gatehouse.RevokedByLogout {
		t.Fatalf("bulk revoke overwrote an earlier revocation: %s", dump(got))
	}
	got, _ = s.Session(ctx, org.ID, keep.ID)
	if got.RevokedAt != nil {
		t.Fatalf("bulk revoke touched another customer's session: %s", dump(got))
	}
	n, err = s.RevokeCustomerSessions(ctx, org.ID, c.ID, gatehouse.RevokedByMerchant, at(2*time.Minute))
	if err != nil || n != 0 {
		t.Fatalf("revoke again: got %d, %v; want 0, nil", n, err)
	}
}

func testTouchSession(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "touch@example.com")
	ss := mustSession(t, s, c, at(time.Hour))
	check := func(wantAt time.Time, wantIP, wantUA, what string) {
		t.Helper()
		got, err := s.Session(ctx, org.ID, ss.ID)
		mustOK(t, err, "get")
		if got.LastUsedAt == nil || *got.LastUsedAt != utcMicro(wantAt) || *got.LastUsedIP != wantIP || *got.LastUsedUserAgent != wantUA {
			t.Fatalf("%s: got %v %v %v, want %v %s %s", what, got.LastUsedAt, got.LastUsedIP, got.LastUsedUserAgent, wantAt, wantIP, wantUA)
		}
	}
	mustOK(t, s.TouchSession(ctx, ss.ID, at(time.Second), "192.0.2.1", "ua/1"), "first touch")
	check(at(time.Second), "192.0.2.1", "ua/1", "first touch")
	mustOK(t, s.TouchSession(ctx, ss.ID, at(time.Minute), "192.0.2.2", "ua/2"), "touch 59s later")
	check(at(time.Second), "192.0.2.1", "ua/1", "touch within a minute is dropped")
	mustOK(t, s.TouchSession(ctx, ss.ID, at(time.Minute+time.Second), "2001:db8::1", "ua/3"), "touch a minute later")
	check(at(time.Minute+time.Second), "2001:db8::1", "ua/3", "touch a minute later")
	mustOK(t, s.TouchSession(ctx, "missing", T0, "x", "y"), "touch unknown session")
}
