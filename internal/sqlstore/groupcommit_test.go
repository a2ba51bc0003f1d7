package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// TestGroupCommit runs many concurrent session inserts on SQLite, some of
// them duplicates and some with a cancelled context: every insert that
// returned nil is committed (visible from a second pool on the file, as a
// restarted process would see it), every one that failed is absent, and
// exactly one of each duplicate pair succeeded.
func TestGroupCommit(t *testing.T) {
	dsn := storetest.SQLiteDSN(t)
	s := sqlstoretest.Open(t, dsn, sqlstore.Options{})
	org := &gatehouse.Organization{ID: "org", Name: "Org", Slug: "org", CreatedAt: storetest.T0}
	if err := s.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	email := "a@example.com"
	if err := s.CreateCustomer(ctx, &gatehouse.Customer{ID: "cus", OrganizationID: org.ID, Email: &email,
		Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	const n = 600
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := ctx
			if i%10 == 9 {
				c = cancelled
			}
			hash := fmt.Sprintf("h-%d", i/2*2) // pairs of duplicates
			if i%3 == 0 {
				hash = fmt.Sprintf("u-%d", i) // and unique ones
			}
			errs[i] = s.CreateSession(c, &gatehouse.Session{ID: fmt.Sprintf("s-%d", i), OrganizationID: org.ID, CustomerID: "cus",
				TokenHash: hash, CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Hour)})
		})
	}
	wg.Wait()
	other := pools(t, dsn, 2)[1]
	ok := map[string]int{}
	for i, err := range errs {
		id := fmt.Sprintf("s-%d", i)
		_, gerr := other.Session(ctx, org.ID, id)
		switch {
		case err == nil && gerr != nil:
			t.Fatalf("session %d acknowledged but not stored: %v", i, gerr)
		case err != nil && gatehouse.ErrorCodeOf(gerr) != gatehouse.ENotFound:
			t.Fatalf("session %d failed (%v) but is stored (%v)", i, err, gerr)
		case i%10 == 9 && !errors.Is(err, context.Canceled):
			t.Fatalf("session %d with a cancelled context: got %v, want context.Canceled", i, err)
		case err != nil && i%10 != 9 && gatehouse.ErrorCodeOf(err) != gatehouse.EConflict:
			t.Fatalf("session %d: %v", i, err)
		}
		if err == nil && i%3 != 0 {
			ok[fmt.Sprintf("h-%d", i/2*2)]++
		}
	}
	for h, k := range ok {
		if k != 1 {
			t.Fatalf("duplicate token hash %s stored %d times", h, k)
		}
	}
	// Usage writes share the committer and keep their once-a-minute rule.
	if err := s.TouchSession(ctx, "s-0", storetest.T0, "192.0.2.1", "ua"); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, "s-0", storetest.T0.Add(time.Second), "192.0.2.2", "ua"); err != nil {
		t.Fatal(err)
	}
	got, err := other.Session(ctx, org.ID, "s-0")
	if err != nil || got.LastUsedIP == nil || *got.LastUsedIP != "192.0.2.1" {
		t.Fatalf("usage record: %+v, %v", got, err)
	}
}

// TestGroupCommitClose checks that Close answers queued writes and that
// later writes fail instead of hanging.
func TestGroupCommitClose(t *testing.T) {
	s := sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	s.Close()
	err := s.CreateSession(ctx, &gatehouse.Session{OrganizationID: "org", CustomerID: "cus", TokenHash: "h",
		CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Hour)})
	if err == nil {
		t.Fatal("CreateSession after Close: got nil error")
	}
}
