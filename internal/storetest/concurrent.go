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
				c.Email = ptr("RACE@example.com")
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
