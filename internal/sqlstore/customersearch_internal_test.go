package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// searchStore opens and migrates the SQLite database dsn (customer search
// on, closed when the test ends) and creates an organization in it.
func searchStore(t *testing.T, dsn string) (*Store, *gatehouse.Organization) {
	t.Helper()
	ctx := context.Background()
	s := openMigrated(t, dsn, Options{})
	org := &gatehouse.Organization{ID: "org", Name: "Org", Slug: "org", CreatedAt: storetest.T0}
	if err := s.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	return s, org
}

// TestSearchIndexLoadsOnce: an organization's index is read from the
// database once, however many lists run at once and whatever this store
// writes meanwhile; a write by another pool makes the next list read it
// again, once.
func TestSearchIndexLoadsOnce(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	s, org := searchStore(t, dsn)
	create := func(st gatehouse.Store, i int) {
		email, name := fmt.Sprintf("c%d@example.com", i), fmt.Sprintf("Customer %d", i)
		c := &gatehouse.Customer{OrganizationID: org.ID, Email: &email, Name: &name, Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0.Add(time.Duration(i) * time.Second)}
		if err := st.CreateCustomer(ctx, c); err != nil {
			t.Error(err)
		}
	}
	list := func() int {
		_, total, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: "customer", Page: gatehouse.Page{Page: 1, Limit: 10}})
		if err != nil {
			t.Error(err)
		}
		return total
	}
	for i := range 50 {
		create(s, i)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { list() })
	}
	wg.Wait()
	if n := s.search.loads.Load(); n != 1 {
		t.Fatalf("8 concurrent first lists read the index %d times, want 1", n)
	}
	for w := range 2 {
		wg.Go(func() {
			for i := range 100 {
				create(s, 1000*(w+1)+i)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 100 {
				list()
			}
		})
	}
	wg.Wait()
	if n := s.search.loads.Load(); n != 1 {
		t.Fatalf("lists racing this store's writes read the index %d times, want 1", n)
	}
	if got := list(); got != 250 {
		t.Fatalf("list: %d customers, want 250", got)
	}
	other, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	create(other, 5000)
	if got := list(); got != 251 {
		t.Fatalf("after another pool's create: %d customers, want 251", got)
	}
	list()
	if n := s.search.loads.Load(); n != 2 {
		t.Fatalf("after another pool's write the index was read %d times in all, want 2", n)
	}
}

// TestSearchMemoBounds: the memo of searches stays within its bounds, its
// count of held matches stays exact, and a write drops the organization's
// entries.
func TestSearchMemoBounds(t *testing.T) {
	ctx := context.Background()
	s, org := searchStore(t, storetest.SQLiteDSN(t))
	for i := range 120 {
		email := fmt.Sprintf("c%03d@example.com", i)
		c := &gatehouse.Customer{OrganizationID: org.ID, Email: &email, Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0}
		if err := s.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what string) {
		t.Helper()
		cs := s.search
		cs.memoMu.Lock()
		defer cs.memoMu.Unlock()
		held := 0
		for _, m := range cs.memo {
			held += m.Len()
		}
		if held != cs.memoSlots || len(cs.memo) > memoEntries || held > memoMatches {
			t.Fatalf("%s: %d entries holding %d matches, counted %d", what, len(cs.memo), held, cs.memoSlots)
		}
	}
	for i := range 3 * memoEntries {
		q := fmt.Sprintf("c%02d", i%100) // 1 to 10 matches each, plus repeats
		if _, _, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: q, Page: gatehouse.Page{Page: 1, Limit: 5}}); err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("after %d searches", i+1))
	}
	if n := len(s.search.memo); n != memoEntries {
		t.Fatalf("%d entries after %d distinct searches, want the bound %d", n, 100, memoEntries)
	}
	email := "new@example.com"
	if err := s.CreateCustomer(ctx, &gatehouse.Customer{OrganizationID: org.ID, Email: &email, Type: gatehouse.CustomerIndividual, CreatedAt: storetest.T0}); err != nil {
		t.Fatal(err)
	}
	check("after a write")
	if n := len(s.search.memo); n != 0 {
		t.Fatalf("%d entries after a write to the organization, want 0", n)
	}
}
