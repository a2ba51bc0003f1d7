package sessioncache_test

import (
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sessioncache"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
)

func mustOpen(t *testing.T) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, storetest.SQLiteDSN(t), sqlstore.Options{Sealer: storetest.Sealer(t)})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// The cached store must pass the same conformance suite as the bare one.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gatehouse.Store { return sessioncache.New(mustOpen(t), 1000) })
}

type fixture struct {
	cache *sessioncache.Store
	org   *gatehouse.Organization
	cust  *gatehouse.Customer
	sess  *gatehouse.Session
	hash  []string
}

func mustFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	c := sessioncache.New(mustOpen(t), 1000)
	now := time.Now().UTC().Truncate(time.Microsecond)
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: now}
	if err := c.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	email := "jane@gmail.com"
	cu := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: org.ID, CreatedAt: now, Email: &email, Type: gatehouse.CustomerIndividual, Metadata: gatehouse.Metadata{}}
	if err := c.CreateCustomer(ctx, cu); err != nil {
		t.Fatal(err)
	}
	h := token.NewHasher("secret")
	tok := token.New(token.PrefixSession)
	s := &gatehouse.Session{ID: gatehouse.NewID(), OrganizationID: org.ID, CustomerID: cu.ID, TokenHash: h.Hash(tok), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Metadata: gatehouse.Metadata{}}
	if err := c.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	return fixture{cache: c, org: org, cust: cu, sess: s, hash: h.Hashes(tok)}
}

func (f fixture) mustCheck(t *testing.T) (*gatehouse.Session, *gatehouse.Customer) {
	t.Helper()
	s, c, err := f.cache.SessionByHash(context.Background(), f.hash)
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	return s, c
}

func TestRevokeIsImmediate(t *testing.T) {
	f := mustFixture(t)
	f.mustCheck(t)
	if f.cache.Len() != 1 {
		t.Fatalf("cache holds %d sessions after a check, want 1", f.cache.Len())
	}
	now := time.Now()
	if err := f.cache.RevokeSession(context.Background(), f.org.ID, f.sess.ID, gatehouse.RevokedByMerchant, now); err != nil {
		t.Fatal(err)
	}
	s, _ := f.mustCheck(t)
	if got := s.State(now); got != gatehouse.ReasonRevoked {
		t.Errorf("state after revoke = %q, want %q", got, gatehouse.ReasonRevoked)
	}
}

func TestBulkRevokeIsImmediate(t *testing.T) {
	f := mustFixture(t)
	f.mustCheck(t)
	now := time.Now()
	n, err := f.cache.RevokeCustomerSessions(context.Background(), f.org.ID, f.cust.ID, gatehouse.RevokedByMerchant, now)
	if err != nil || n != 1 {
		t.Fatalf("RevokeCustomerSessions = %d, %v; want 1, nil", n, err)
	}
	if s, _ := f.mustCheck(t); s.State(now) != gatehouse.ReasonRevoked {
		t.Errorf("state after bulk revoke = %q", s.State(now))
	}
}

func TestCustomerChangesAreImmediate(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	_, c := f.mustCheck(t)
	name := "Jane Doe"
	c.Name = &name
	if err := f.cache.UpdateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, c2 := f.mustCheck(t); c2.Name == nil || *c2.Name != name {
		t.Errorf("name after update = %v, want %q", c2.Name, name)
	}
	now := time.Now().UTC()
	c.DeletedAt = &now
	if err := f.cache.UpdateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.cache.SessionByHash(ctx, f.hash); !errors.Is(err, gatehouse.ErrNotFound) {
		t.Errorf("SessionByHash after customer delete: err = %v, want not found", err)
	}
}

func TestCopiesAreIndependent(t *testing.T) {
	f := mustFixture(t)
	s, c := f.mustCheck(t)
	other := "x@gmail.com"
	c.Email = &other
	s.CustomerID = "changed"
	s2, c2 := f.mustCheck(t)
	if *c2.Email != "jane@gmail.com" || s2.CustomerID != f.cust.ID {
		t.Errorf("a caller's change leaked into the cache: %q %q", *c2.Email, s2.CustomerID)
	}
}

// Checks racing with revocations never leave a revoked session cached as
// live: after the last revocation returns, the check sees it revoked.
func TestNoStaleFillUnderRace(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					f.cache.SessionByHash(ctx, f.hash)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	now := time.Now()
	if err := f.cache.RevokeSession(ctx, f.org.ID, f.sess.ID, gatehouse.RevokedByMerchant, now); err != nil {
		t.Fatal(err)
	}
	s, _ := f.mustCheck(t)
	close(stop)
	wg.Wait()
	if s.State(now) != gatehouse.ReasonRevoked {
		t.Errorf("state right after revoke = %q, want revoked", s.State(now))
	}
	if s, _ := f.mustCheck(t); s.State(now) != gatehouse.ReasonRevoked {
		t.Errorf("state after racing readers stopped = %q, want revoked", s.State(now))
	}
}

// TestCachedSession checks the allocation-free lookup by raw digest: a miss
// before any check, a hit (with equal copies) after one, a miss again once
// the session is revoked or its customer changed.
func TestCachedSession(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	var d token.Digest
	if _, err := hex.Decode(d[:], []byte(f.hash[0])); err != nil {
		t.Fatal(err)
	}
	var s gatehouse.Session
	var c gatehouse.Customer
	if f.cache.CachedSession(d, &s, &c) {
		t.Fatal("CachedSession hit before any check")
	}
	f.mustCheck(t)
	if !f.cache.CachedSession(d, &s, &c) || s.ID != f.sess.ID || c.ID != f.cust.ID {
		t.Fatalf("CachedSession after a check = %s/%s, want %s/%s", s.ID, c.ID, f.sess.ID, f.cust.ID)
	}
	if n := testing.AllocsPerRun(100, func() { f.cache.CachedSession(d, &s, &c) }); n != 0 {
		t.Errorf("CachedSession allocates %v times", n)
	}
	name := "Jane"
	cu := *f.cust
	cu.Name = &name
	if err := f.cache.UpdateCustomer(ctx, &cu); err != nil {
		t.Fatal(err)
	}
	if f.cache.CachedSession(d, &s, &c) {
		t.Fatal("CachedSession hit after a customer change")
	}
	f.mustCheck(t)
	if err := f.cache.RevokeSession(ctx, f.org.ID, f.sess.ID, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if f.cache.CachedSession(d, &s, &c) {
		t.Fatal("CachedSession hit after revocation")
	}
}
