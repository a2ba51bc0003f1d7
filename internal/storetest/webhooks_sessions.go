package storetest

import (
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// sessionEvents is a gatehouse.SessionEvent of one type that records the
// sessions the store called it with; its payload names the session and
// its revocation, so a test sees what the store passed.
type sessionEvents struct {
	typ  string
	fail error

	mu   sync.Mutex
	seen []gatehouse.Session
}

func (b *sessionEvents) build(s *gatehouse.Session) (gatehouse.Event, error) {
	b.mu.Lock()
	b.seen = append(b.seen, *s)
	b.mu.Unlock()
	if b.fail != nil {
		return gatehouse.Event{}, b.fail
	}
	ts := s.CreatedAt
	reason := "null"
	if s.RevokedAt != nil {
		ts, reason = *s.RevokedAt, `"`+*s.RevokedReason+`"`
	}
	return gatehouse.Event{Type: b.typ, OrganizationID: s.OrganizationID, CustomerID: s.CustomerID, Timestamp: ts,
		Payload: []byte(`{"type":"` + b.typ + `","data":{"id":"` + s.ID + `","revoked_reason":` + reason + `}}`)}, nil
}

// calls returns the sessions seen since the last call.
func (b *sessionEvents) calls() []gatehouse.Session {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.seen
	b.seen = nil
	return out
}

// sessionEvs is what a session change wrote since mark: endpoint ID →
// event types, and the events.
func (e *whEnv) sessionEvs(t *testing.T, orgID string, mark int) (map[string][]string, []*gatehouse.WebhookEvent) {
	t.Helper()
	evs := eventsOfJobs(t, e.s, orgID, e.q.committed(t, mark))
	got := map[string][]string{}
	for _, ev := range evs {
		got[ev.EndpointID] = append(got[ev.EndpointID], ev.Type)
	}
	return got, evs
}

func testWebhookSessionEvents(t *testing.T, e *whEnv) {
	s := e.s
	org := mustOrg(t, s)
	both := mustEndpoint(t, s, org, gatehouse.EventCustomerSessionCreated, gatehouse.EventCustomerSessionRevoked)
	createdOnly := mustEndpoint(t, s, org, gatehouse.EventCustomerSessionCreated, gatehouse.EventCustomerUpdated)
	customerOnly := mustEndpoint(t, s, org, gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated,
		gatehouse.EventCustomerDeleted, gatehouse.EventCustomerStateChanged)
	disabled := newEndpoint(org, T0, gatehouse.WebhookEventTypes...)
	disabled.Enabled = false
	mustOK(t, s.CreateWebhookEndpoint(ctx, disabled), "create disabled endpoint")
	c := mustCustomer(t, s, org, uniq("sess")+"@example.com")
	created := &sessionEvents{typ: gatehouse.EventCustomerSessionCreated}
	revoked := &sessionEvents{typ: gatehouse.EventCustomerSessionRevoked}

	// Create: the endpoints listing customer_session.created get it.
	mark := len(e.q.committed(t, 0))
	ss := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: org.ID, CustomerID: c.ID, TokenHash: uniq("hash-"),
		CreatedAt: at(time.Second), ExpiresAt: at(time.Hour), Metadata: gatehouse.Metadata{}}
	mustOK(t, s.CreateSession(ctx, ss, created.build), "create session with events")
	got, evs := e.sessionEvs(t, org.ID, mark)
	want := map[string][]string{both.ID: {created.typ}, createdOnly.ID: {created.typ}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("session create: got events %v, want %v (customer-only %s and disabled %s get none)", got, want, customerOnly.ID, disabled.ID)
	}
	if seen := created.calls(); len(seen) != 1 || seen[0].ID != ss.ID {
		t.Fatalf("session create: builder called with %s, want once with %s", dump(seen), ss.ID)
	}
	for _, ev := range evs {
		if ev.CustomerID != c.ID || !ev.CreatedAt.Equal(utcMicro(ss.CreatedAt)) || ev.Payload == nil {
			t.Fatalf("session create: event %s, want customer %s, created_at %v and a payload", dump(ev), c.ID, ss.CreatedAt)
		}
	}

	// Revoke: the builder gets the session as revoked; a second revoke
	// (the first is kept) reports nothing.
	mark = len(e.q.committed(t, 0))
	mustOK(t, s.RevokeSession(ctx, org.ID, ss.ID, gatehouse.RevokedByLogout, at(time.Minute), revoked.build), "revoke with events")
	got, _ = e.sessionEvs(t, org.ID, mark)
	if want := map[string][]string{both.ID: {revoked.typ}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("session revoke: got events %v, want %v", got, want)
	}
	seen := revoked.calls()
	wantRevoked(t, seen, []string{ss.ID}, gatehouse.RevokedByLogout, at(time.Minute), "revoke")
	mark = len(e.q.committed(t, 0))
	mustOK(t, s.RevokeSession(ctx, org.ID, ss.ID, gatehouse.RevokedByMerchant, at(2*time.Minute), revoked.build), "revoke again")
	if jobs, seen := e.q.committed(t, mark), revoked.calls(); len(jobs) != 0 || len(seen) != 0 {
		t.Fatalf("revoking a revoked session: got jobs %v and builder calls %s, want none", jobs, dump(seen))
	}
	wantCode(t, s.RevokeSession(ctx, org.ID, uniq("ses-"), gatehouse.RevokedByMerchant, T0, revoked.build), gatehouse.ENotFound, "revoke unknown session with events")

	// Bulk revoke: one event per session it revoked, oldest first.
	old := mustSession(t, s, c, at(time.Hour))
	newer := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: org.ID, CustomerID: c.ID, TokenHash: uniq("hash-"),
		CreatedAt: at(3 * time.Second), ExpiresAt: at(time.Hour), Metadata: gatehouse.Metadata{}}
	mustOK(t, s.CreateSession(ctx, newer), "create session without events")
	mustSession(t, s, c, at(-time.Second)) // expired: not revoked
	mark = len(e.q.committed(t, 0))
	if jobs := e.q.committed(t, mark); len(jobs) != 0 {
		t.Fatalf("sessions created without events enqueued %v", jobs)
	}
	n, err := s.RevokeCustomerSessions(ctx, org.ID, c.ID, gatehouse.RevokedByMerchant, at(3*time.Minute), revoked.build)
	mustOK(t, err, "bulk revoke with events")
	if n != 2 {
		t.Fatalf("bulk revoke: got %d revoked, want 2", n)
	}
	got, evs = e.sessionEvs(t, org.ID, mark)
	if want := map[string][]string{both.ID: {revoked.typ, revoked.typ}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("bulk revoke: got events %v, want %v", got, want)
	}
	wantRevoked(t, revoked.calls(), []string{old.ID, newer.ID}, gatehouse.RevokedByMerchant, at(3*time.Minute), "bulk revoke")
	for i, ev := range evs {
		if i > 0 && ev.CreatedAt.Before(evs[i-1].CreatedAt) {
			t.Fatalf("bulk revoke: events out of order: %s", dump(evs))
		}
	}
}

// wantRevoked checks the sessions a revocation's builder saw.
func wantRevoked(t *testing.T, seen []gatehouse.Session, ids []string, reason string, now time.Time, what string) {
	t.Helper()
	var got []string
	for _, s := range seen {
		got = append(got, s.ID)
		if s.RevokedAt == nil || !s.RevokedAt.Equal(utcMicro(now)) || s.RevokedReason == nil || *s.RevokedReason != reason ||
			s.ModifiedAt == nil || !s.ModifiedAt.Equal(utcMicro(now)) {
			t.Fatalf("%s: builder saw %s, want it revoked at %v for %q", what, dump(s), now, reason)
		}
	}
	if !slices.Equal(got, ids) {
		t.Fatalf("%s: builder saw sessions %v, want %v", what, got, ids)
	}
}

// testWebhookSessionEventsUnsubscribed: an organization whose endpoints do
// not list customer_session types gets no session events and the store
// builds no payload; an endpoint that starts listing them gets the next.
func testWebhookSessionEventsUnsubscribed(t *testing.T, e *whEnv) {
	s := e.s
	org := mustOrg(t, s)
	mustEndpoint(t, s, org, gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated)
	c := mustCustomer(t, s, org, uniq("unsub")+"@example.com")
	created := &sessionEvents{typ: gatehouse.EventCustomerSessionCreated}
	revoked := &sessionEvents{typ: gatehouse.EventCustomerSessionRevoked}

	mark := len(e.q.committed(t, 0))
	ss := mustSessionWith(t, s, c, created)
	mustOK(t, s.RevokeSession(ctx, org.ID, ss.ID, gatehouse.RevokedByMerchant, at(time.Minute), revoked.build), "revoke")
	mustSessionWith(t, s, c, created)
	_, err := s.RevokeCustomerSessions(ctx, org.ID, c.ID, gatehouse.RevokedByMerchant, at(time.Minute), revoked.build)
	mustOK(t, err, "bulk revoke")
	if jobs, a, b := e.q.committed(t, mark), created.calls(), revoked.calls(); len(jobs) != 0 || len(a) != 0 || len(b) != 0 {
		t.Fatalf("unsubscribed organization: got jobs %v and builder calls %s %s, want none", jobs, dump(a), dump(b))
	}

	// This store's endpoint writes are seen by the next session change.
	ep := mustEndpoint(t, s, org, gatehouse.EventCustomerSessionCreated)
	mustSessionWith(t, s, c, created)
	if got, _ := e.sessionEvs(t, org.ID, mark); !reflect.DeepEqual(got, map[string][]string{ep.ID: {created.typ}}) {
		t.Fatalf("after subscribing: got events %v, want one customer_session.created for %s", got, ep.ID)
	}
	ep.Events = []string{gatehouse.EventCustomerUpdated}
	mustOK(t, s.UpdateWebhookEndpoint(ctx, ep), "unsubscribe endpoint")
	created.calls()
	mark = len(e.q.committed(t, 0))
	mustSessionWith(t, s, c, created)
	if jobs, seen := e.q.committed(t, mark), created.calls(); len(jobs) != 0 || len(seen) != 0 {
		t.Fatalf("after unsubscribing: got jobs %v and builder calls %s, want none", jobs, dump(seen))
	}
}

func mustSessionWith(t *testing.T, s gatehouse.Store, c *gatehouse.Customer, b *sessionEvents) *gatehouse.Session {
	t.Helper()
	ss := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: c.OrganizationID, CustomerID: c.ID,
		TokenHash: uniq("hash-"), CreatedAt: T0, ExpiresAt: at(time.Hour), Metadata: gatehouse.Metadata{}}
	mustOK(t, s.CreateSession(ctx, ss, b.build), "create session")
	return ss
}

// testWebhookSessionEventsRollback: a session change that fails writes no
// event, and a failing builder or queue fails the change.
func testWebhookSessionEventsRollback(t *testing.T, e *whEnv) {
	s := e.s
	org := mustOrg(t, s)
	mustEndpoint(t, s, org, gatehouse.EventCustomerSessionCreated, gatehouse.EventCustomerSessionRevoked)
	c := mustCustomer(t, s, org, uniq("rb")+"@example.com")
	created := &sessionEvents{typ: gatehouse.EventCustomerSessionCreated}
	revoked := &sessionEvents{typ: gatehouse.EventCustomerSessionRevoked}
	ss := mustSessionWith(t, s, c, created)
	rows := e.count(t, `SELECT count(*) FROM webhook_events`)
	mark := len(e.q.committed(t, 0))

	dup := *ss
	dup.ID = uniq("ses-")
	wantCode(t, s.CreateSession(ctx, &dup, created.build), gatehouse.EConflict, "create session with a stored token hash")

	created.fail = errors.New("payload broken")
	failed := &gatehouse.Session{ID: uniq("ses-"), OrganizationID: org.ID, CustomerID: c.ID, TokenHash: uniq("hash-"),
		CreatedAt: T0, ExpiresAt: at(time.Hour), Metadata: gatehouse.Metadata{}}
	if err := s.CreateSession(ctx, failed, created.build); err == nil {
		t.Fatal("create session with a failing builder: got nil error")
	}
	_, err := s.Session(ctx, org.ID, failed.ID)
	wantCode(t, err, gatehouse.ENotFound, "session whose event could not be built")

	e.q.setFail(errors.New("queue down"))
	err = s.RevokeSession(ctx, org.ID, ss.ID, gatehouse.RevokedByMerchant, at(time.Minute), revoked.build)
	e.q.setFail(nil)
	if err == nil {
		t.Fatal("revoke with a failing queue: got nil error")
	}
	got, err := s.Session(ctx, org.ID, ss.ID)
	mustOK(t, err, "session after a failed revoke")
	if got.RevokedAt != nil {
		t.Fatalf("revoke whose events could not be enqueued left %s revoked", dump(got))
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_events`); n != rows {
		t.Fatalf("webhook_events after failed session changes: got %d rows, want %d", n, rows)
	}
	if jobs := e.q.committed(t, mark); len(jobs) != 0 {
		t.Fatalf("failed session changes committed jobs %v", jobs)
	}
}
