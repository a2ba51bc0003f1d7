package webhooks_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// TestTwoEnginesOnePostgres runs two instances (two stores, two pools,
// two engines) on one PostgreSQL schema while changes commit on both:
// every event is delivered, no event is ever POSTed by both at once, each
// delivery row is one POST, and each customer's events arrive in order.
func TestTwoEnginesOnePostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	e := newEnv(t, dsn)
	e.rcv.delay = 15 * time.Millisecond // widen the window a double send would need
	other := mustOpen(t, dsn)
	otherEng := mustEngine(t, e, other)
	start(t, e.eng)
	start(t, otherEng)

	const customers, updates = 20, 3
	var cs []*gatehouse.Customer
	for i := range customers {
		c := &gatehouse.Customer{ID: gatehouse.NewID()}
		if i%3 == 0 {
			e.rcv.failFirst(c, 0, 2) // some heads fail, holding their customer's later events
		}
		cs = append(cs, c)
	}
	for i, c := range cs {
		st := e.st
		if i%2 == 1 {
			st = other // the second instance writes half the changes
		}
		email := "c-" + gatehouse.NewID()[:12] + "@example.com"
		*c = gatehouse.Customer{ID: c.ID, OrganizationID: e.org.ID, CreatedAt: time.Now(), Email: &email, Type: gatehouse.CustomerIndividual}
		if err := st.CreateCustomer(context.Background(), c, eventFor(c, gatehouse.EventCustomerCreated, 0)); err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= updates; n++ {
			name := "n"
			c.Name = &name
			if err := st.UpdateCustomer(context.Background(), c, eventFor(c, gatehouse.EventCustomerUpdated, n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitFor(t, "every event delivered", func() bool {
		for _, c := range cs {
			for n := 0; n <= updates; n++ {
				ps := e.rcv.postsOf(c, n)
				if len(ps) == 0 || ps[len(ps)-1].code != 200 {
					return false
				}
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond)
	e.rcv.mu.Lock()
	overlaps := e.rcv.overlaps
	e.rcv.mu.Unlock()
	if overlaps != 0 {
		t.Errorf("%d POSTs of an event while another POST of it was in flight, want 0", overlaps)
	}
	var rows int
	if err := e.st.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM webhook_deliveries`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	posts := e.rcv.all()
	if want := customers*(updates+1) + 2*((customers+2)/3); len(posts) != want || rows != want {
		t.Errorf("receiver got %d POSTs and the store has %d deliveries, want %d each", len(posts), rows, want)
	}
	for _, c := range cs {
		for n := 1; n <= updates; n++ {
			prev, cur := e.rcv.postsOf(c, n-1), e.rcv.postsOf(c, n)
			if len(cur) != 1 || !cur[0].at.After(prev[len(prev)-1].at) {
				t.Errorf("customer %s event %d: %d POSTs, first at %v, after event %d succeeded at %v: want 1, later", c.ID, n, len(cur), cur[0].at, n-1, prev[len(prev)-1].at)
			}
		}
	}
}
