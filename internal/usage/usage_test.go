package usage_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/usage"
)

var t0 = time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)

// fixture is a real SQLite store with n sessions of one customer.
func fixture(t *testing.T, n int) (*store, []string) {
	t.Helper()
	ctx := context.Background()
	st := sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: t0}
	email := "jane@gmail.com"
	c := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: org.ID, Email: &email, Type: gatehouse.CustomerIndividual,
		CreatedAt: t0, Metadata: gatehouse.Metadata{}}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	for i := range ids {
		s := &gatehouse.Session{ID: gatehouse.NewID(), OrganizationID: org.ID, CustomerID: c.ID, TokenHash: gatehouse.NewID(),
			CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour), Metadata: gatehouse.Metadata{}}
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		ids[i] = s.ID
	}
	return &store{st, org.ID}, ids
}

func TestThrottleAndFlush(t *testing.T) {
	st, ids := fixture(t, 2)
	r := usage.New(st, usage.Options{Interval: time.Hour})
	ctx := context.Background()
	defer r.Close(ctx)

	if !r.Due(ids[0], t0) {
		t.Fatal("Due for a session never seen: false")
	}
	r.Record(ids[0], t0, "203.0.113.1", "a")
	r.Record(ids[0], t0.Add(59*time.Second), "203.0.113.2", "b") // throttled
	r.Record(ids[1], t0.Add(10*time.Second), "203.0.113.3", "c")
	if r.Due(ids[0], t0.Add(59*time.Second)) {
		t.Error("Due 59s after a record: true")
	}
	if got := r.Pending(); got != 2 {
		t.Errorf("Pending = %d, want 2", got)
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.Pending(); got != 0 {
		t.Errorf("Pending after Flush = %d", got)
	}
	s := mustSession(t, st, ids[0])
	if s.LastUsedAt == nil || !s.LastUsedAt.Equal(t0) || *s.LastUsedIP != "203.0.113.1" || *s.LastUsedUserAgent != "a" {
		t.Errorf("session 0 usage = %v %v %v, want t0 203.0.113.1 a", s.LastUsedAt, s.LastUsedIP, s.LastUsedUserAgent)
	}
	// A minute later: recorded again, and Close writes it.
	r.Record(ids[0], t0.Add(time.Minute), "203.0.113.9", "z")
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s = mustSession(t, st, ids[0])
	if *s.LastUsedIP != "203.0.113.9" {
		t.Errorf("after Close: ip %v, want 203.0.113.9", *s.LastUsedIP)
	}
	r.Record(ids[1], t0.Add(time.Hour), "x", "y") // closed: ignored
	if r.Pending() != 0 {
		t.Error("Record after Close was kept")
	}
}

// store is the fixture's store and organization.
type store struct {
	*sqlstore.Store
	orgID string
}

func mustSession(t *testing.T, st *store, id string) *gatehouse.Session {
	t.Helper()
	s, err := st.Session(context.Background(), st.orgID, id)
	if err != nil {
		t.Fatalf("Session(%s): %v", id, err)
	}
	return s
}

func TestBounded(t *testing.T) {
	st, ids := fixture(t, 3)
	r := usage.New(st, usage.Options{Interval: time.Hour, MaxSessions: 2})
	ctx := context.Background()
	defer r.Close(ctx)
	for _, id := range ids {
		r.Record(id, t0, "203.0.113.1", "a")
	}
	if r.Pending() != 2 || r.Dropped() != 1 {
		t.Fatalf("3 sessions, max 2: pending %d dropped %d, want 2 and 1", r.Pending(), r.Dropped())
	}
	if err := r.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A minute later the stale throttle entries make room.
	r.Record(ids[2], t0.Add(time.Minute), "203.0.113.3", "c")
	if r.Pending() != 1 || r.Dropped() != 1 {
		t.Errorf("after a minute: pending %d dropped %d, want 1 and 1", r.Pending(), r.Dropped())
	}
}

func TestBackgroundFlush(t *testing.T) {
	st, ids := fixture(t, 1)
	r := usage.New(st, usage.Options{Interval: 10 * time.Millisecond})
	defer r.Close(context.Background())
	r.Record(ids[0], t0, "2001:db8::1", "bg")
	deadline := time.Now().Add(10 * time.Second)
	for mustSession(t, st, ids[0]).LastUsedAt == nil {
		if time.Now().After(deadline) {
			t.Fatal("the background flusher wrote nothing in 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if ip := mustSession(t, st, ids[0]).LastUsedIP; ip == nil || *ip != "2001:db8::1" {
		t.Errorf("ip %v, want 2001:db8::1", ip)
	}
}
