package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// The concurrency checks take several stores: on one database, several
// pools (or processes) must see one truth. Run passes a single store;
// backends add runs with several pools on one database.

// ConcurrentCreates creates the same email from many goroutines spread over
// stores (all on one database): exactly one wins, the others get EConflict
// with the email field error.
func ConcurrentCreates(t *testing.T, stores []gatehouse.Store) {
	org := mustOrg(t, stores[0])
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			c := newCustomer(org, "race@example.com")
			if i%2 == 0 {
				c.Email = new("RACE@example.com")
			}
			errs[i] = stores[i%len(stores)].CreateCustomer(ctx, c)
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch gatehouse.ErrorCodeOf(err) {
		case "":
			wins++
		case gatehouse.EConflict:
			wantFields(t, err, []string{"email"}, fmt.Sprintf("losing create %d", i))
		default:
			t.Fatalf("create %d: got %v, want nil or EConflict", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("concurrent creates of one email: got %d winners, want 1", wins)
	}
	ids, total := listIDs(t, stores[len(stores)-1], org.ID, gatehouse.CustomerFilter{Email: "race@example.com"})
	if total != 1 || len(ids) != 1 {
		t.Fatalf("customers with the raced email: got %d, want 1", total)
	}
}

// ConcurrentRedeem redeems one login code from 50 goroutines spread over
// stores: exactly one gets it, the others ENotFound.
func ConcurrentRedeem(t *testing.T, stores []gatehouse.Store) {
	s := stores[0]
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "redeem@example.com")
	mustCode(t, s, c, "race-code", T0, 5)
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = stores[i%len(stores)].RedeemLoginCode(ctx, []string{"race-code"}, at(time.Minute))
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch gatehouse.ErrorCodeOf(err) {
		case "":
			wins++
		case gatehouse.ENotFound:
		default:
			t.Fatalf("redeem %d: got %v, want nil or ENotFound", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("concurrent redemptions of one code: got %d successes, want 1", wins)
	}
}

// ConcurrentRateLimit sends 40 events for one key from goroutines spread
// over stores within one window: exactly Max are allowed.
func ConcurrentRateLimit(t *testing.T, stores []gatehouse.Store) {
	const n, limit = 40, 7
	key := uniq("conc:")
	base := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
		errs    []string
	)
	for i := range n {
		wg.Go(func() {
			ok, _, err := stores[i%len(stores)].RateLimit(ctx, key, []gatehouse.RateLimit{{Max: limit, Window: time.Hour}},
				time.Minute, base.Add(time.Duration(i)*time.Millisecond))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err.Error())
			}
			if ok {
				allowed++
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent rate limit: %d errors, first: %s", len(errs), strings.Join(errs[:1], ""))
	}
	if allowed != limit {
		t.Fatalf("concurrent rate limit: got %d allowed, want %d", allowed, limit)
	}
}

// ListsSeeOtherPools lists through stores[0] while stores[1] (another
// pool on the same database, as the CLI next to a server) creates, updates
// and deletes customers: every list reflects the writes committed before
// it, rows included, whatever a store keeps in memory. stores[0] then
// writes on top of the other pool's writes.
func ListsSeeOtherPools(t *testing.T, stores []gatehouse.Store) {
	a, b := stores[0], stores[len(stores)-1]
	org := mustOrg(t, a)
	find := func(what, query string, want ...string) []*gatehouse.Customer {
		t.Helper()
		list, total, err := a.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: query, Page: gatehouse.Page{Page: 1, Limit: 10}})
		mustOK(t, err, "list customers")
		got := []string{}
		for _, c := range list {
			got = append(got, c.ID)
		}
		if total != len(want) || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: list %q got %v (total %d), want %v", what, query, got, total, want)
		}
		return list
	}
	c1 := newCustomer(org, "zeta1@example.com")
	c1.Name = new("Alpha One")
	mustOK(t, a.CreateCustomer(ctx, c1), "create through a")
	find("after a's create", "alpha", c1.ID)

	c2 := newCustomer(org, "zeta2@example.com")
	c2.Name, c2.CreatedAt = new("Alpha Two"), T0.Add(time.Second)
	mustOK(t, b.CreateCustomer(ctx, c2), "create through b")
	find("after b's create", "alpha", c2.ID, c1.ID)

	c1.Name = new("Beta One")
	mustOK(t, b.UpdateCustomer(ctx, c1), "update through b")
	find("after b's update", "alpha", c2.ID)
	if got := find("after b's update", "beta", c1.ID); *got[0].Name != "Beta One" {
		t.Fatalf("after b's update: the listed row has name %q, want the new one", *got[0].Name)
	}

	now := T0.Add(time.Minute)
	c2.DeletedAt = &now
	mustOK(t, b.UpdateCustomer(ctx, c2), "delete through b")
	find("after b's delete", "alpha")

	c3 := newCustomer(org, "zeta3@example.com")
	c3.Name, c3.CreatedAt = new("Beta Three"), T0.Add(2*time.Second)
	mustOK(t, b.CreateCustomer(ctx, c3), "create through b")
	c1.Name = new("Beta Uno")
	mustOK(t, a.UpdateCustomer(ctx, c1), "update through a after b's create")
	if got := find("after a's update on top of b's create", "beta", c3.ID, c1.ID); *got[1].Name != "Beta Uno" {
		t.Fatalf("after a's update: the listed row has name %q, want the new one", *got[1].Name)
	}
}

// ConcurrentListsAndWrites lists customers by name while other goroutines
// create, rename and delete them through stores (all on one database).
// Every page must hold only customers matching its query, with a total no
// smaller than the page; once the writes stop, every query answers exactly
// the customers the writers left.
func ConcurrentListsAndWrites(t *testing.T, stores []gatehouse.Store) {
	org := mustOrg(t, stores[0])
	names := []string{"Amber Stone", "Basil Stone", "Cedar Field", "Dune Field"}
	queries := []string{"stone", "field", "amber", "e", ""}
	const writers, perWriter = 4, 60
	var mu sync.Mutex
	final := map[string]string{} // customer ID → name, live ones
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			var mine []*gatehouse.Customer
			for i := range perWriter {
				switch {
				case i%3 != 2 || len(mine) == 0:
					c := newCustomer(org, fmt.Sprintf("w%d-%d@example.com", w, i))
					c.ExternalID, c.Name = nil, new(names[(w+i)%len(names)])
					c.CreatedAt = T0.Add(time.Duration(w*perWriter+i) * time.Millisecond)
					if err := s.CreateCustomer(ctx, c); err != nil {
						t.Errorf("create: %v", err)
						return
					}
					mine = append(mine, c)
					mu.Lock()
					final[c.ID] = *c.Name
					mu.Unlock()
				case i%2 == 0:
					c := mine[len(mine)-1]
					c.Name = new(names[(w+i+1)%len(names)])
					if err := s.UpdateCustomer(ctx, c); err != nil {
						t.Errorf("rename: %v", err)
						return
					}
					mu.Lock()
					final[c.ID] = *c.Name
					mu.Unlock()
				default:
					c := mine[0]
					mine = mine[1:]
					now := T0.Add(time.Hour)
					c.DeletedAt = &now
					if err := s.UpdateCustomer(ctx, c); err != nil {
						t.Errorf("delete: %v", err)
						return
					}
					mu.Lock()
					delete(final, c.ID)
					mu.Unlock()
				}
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 3 {
		readers.Go(func() {
			s := stores[(r+1)%len(stores)]
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				q := queries[(r+i)%len(queries)]
				list, total, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: q, Page: gatehouse.Page{Page: 1, Limit: 5}})
				if err != nil {
					t.Errorf("list %q: %v", q, err)
					return
				}
				if total < len(list) {
					t.Errorf("list %q: total %d below the %d customers listed", q, total, len(list))
				}
				for _, c := range list {
					if c.DeletedAt != nil || c.Name == nil || !strings.Contains(strings.ToLower(*c.Name+" "+*c.Email), q) {
						t.Errorf("list %q: listed %s (%v), which does not match", q, c.ID, c.Name)
					}
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	for _, s := range stores {
		for _, q := range queries {
			var want []string
			for id, name := range final {
				if strings.Contains(strings.ToLower(name), q) || (q == "e" || q == "") {
					want = append(want, id)
				}
			}
			got, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Query: q, Page: gatehouse.Page{Page: 1, Limit: 1000}})
			wantSet(t, got, total, want, "after the writes, query "+q)
		}
	}
}
