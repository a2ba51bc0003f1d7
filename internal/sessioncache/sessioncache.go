// Package sessioncache puts an in-process cache in front of the token check
// (Store.SessionByHash), the one query every portal request makes, and of
// the merchant API's organization-token and organization lookups.
//
// The cache is only correct when every write to sessions and customers of the
// database goes through this process: revocations and customer changes made
// here invalidate entries at once. That holds for SQLite, which one Gatehouse
// instance serves; with several instances on PostgreSQL the cache is off and
// every check reads the database, so a revocation on one instance is seen by
// all the others on their next request.
package sessioncache

import (
	"context"
	"encoding/hex"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

// Store wraps a gatehouse.Store, caching SessionByHash results.
type Store struct {
	gatehouse.Store

	mu         sync.RWMutex
	gen        uint64 // bumped by every invalidation; guards against stale fills
	max        int
	byHash     map[token.Digest]*entry              // raw digest under the current secret
	bySession  map[string]token.Digest              // session ID → cache key
	byCustomer map[string]map[token.Digest]struct{} // customer ID → cache keys
	org        orgCache                             // organization tokens and organizations (orgcache.go)
}

type entry struct {
	sess gatehouse.Session
	cust gatehouse.Customer
}

var (
	_ gatehouse.Store              = (*Store)(nil)
	_ gatehouse.CustomerListSharer = (*Store)(nil)
)

// New returns a caching wrapper around s holding at most max sessions.
func New(s gatehouse.Store, max int) *Store {
	if max <= 0 {
		max = 100_000
	}
	c := &Store{Store: s, max: max}
	c.reset()
	c.org.reset()
	return c
}

// SharesListedCustomers answers for the wrapped store: ListCustomers is not
// cached here.
func (c *Store) SharesListedCustomers() bool { return gatehouse.SharesListedCustomers(c.Store) }

func (c *Store) reset() {
	c.byHash = make(map[token.Digest]*entry)
	c.bySession = make(map[string]token.Digest)
	c.byCustomer = make(map[string]map[token.Digest]struct{})
}

// Len returns the number of cached sessions.
func (c *Store) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byHash)
}

// CachedSession copies the cached session of digest d (token.Hasher.Sum:
// the digest under the current secret) and its customer into sess and cust
// and reports whether it was cached. It does not allocate and never reads
// the store: on false, call SessionByHash, which fills the cache. Maps and
// nested pointers of the copies are shared and must not be changed.
func (c *Store) CachedSession(d token.Digest, sess *gatehouse.Session, cust *gatehouse.Customer) bool {
	c.mu.RLock()
	e, ok := c.byHash[d]
	if ok {
		*sess, *cust = e.sess, e.cust
	}
	c.mu.RUnlock()
	return ok
}

// SessionByHash answers from the cache when it can, else from the store,
// remembering a found session. hashes[0] (the hex digest under the current
// secret) is the cache key. The returned values are copies the caller may
// change; their maps and nested pointers are shared and must not be.
func (c *Store) SessionByHash(ctx context.Context, hashes []string) (*gatehouse.Session, *gatehouse.Customer, error) {
	var key token.Digest
	if len(hashes) == 0 || hex.DecodedLen(len(hashes[0])) != len(key) {
		return c.Store.SessionByHash(ctx, hashes)
	}
	if _, err := hex.Decode(key[:], []byte(hashes[0])); err != nil {
		return c.Store.SessionByHash(ctx, hashes)
	}
	c.mu.RLock()
	e, ok := c.byHash[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok {
		s, cu := e.sess, e.cust
		return &s, &cu, nil
	}
	s, cu, err := c.Store.SessionByHash(ctx, hashes)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	if c.gen == gen { // nothing was invalidated while we read: the row is current
		if len(c.byHash) >= c.max {
			c.reset()
		}
		c.byHash[key] = &entry{sess: *s, cust: *cu}
		c.bySession[s.ID] = key
		keys := c.byCustomer[cu.ID]
		if keys == nil {
			keys = make(map[token.Digest]struct{})
			c.byCustomer[cu.ID] = keys
		}
		keys[key] = struct{}{}
	}
	c.mu.Unlock()
	return s, cu, nil
}

// dropCustomer forgets every session of a customer; c.mu must be held.
func (c *Store) dropCustomer(customerID string) {
	for key := range c.byCustomer[customerID] {
		if e := c.byHash[key]; e != nil {
			delete(c.bySession, e.sess.ID)
		}
		delete(c.byHash, key)
	}
	delete(c.byCustomer, customerID)
}

// dropSession forgets one session; c.mu must be held.
func (c *Store) dropSession(id string) {
	key, ok := c.bySession[id]
	if !ok {
		return
	}
	if e := c.byHash[key]; e != nil {
		if keys := c.byCustomer[e.cust.ID]; keys != nil {
			delete(keys, key)
			if len(keys) == 0 {
				delete(c.byCustomer, e.cust.ID)
			}
		}
	}
	delete(c.byHash, key)
	delete(c.bySession, id)
}

// invalidate runs drop under the lock and bumps the generation, before and
// after the write it guards, so that no read racing with the write can
// re-insert the old row.
func (c *Store) invalidate(drop func()) func() {
	c.mu.Lock()
	c.gen++
	drop()
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.gen++
		drop()
		c.mu.Unlock()
	}
}

// UpdateCustomer writes c and forgets its cached sessions (a deleted or
// changed customer must be seen at once), passing its events through.
func (c *Store) UpdateCustomer(ctx context.Context, cu *gatehouse.Customer, events ...gatehouse.Event) error {
	done := c.invalidate(func() { c.dropCustomer(cu.ID) })
	defer done()
	return c.Store.UpdateCustomer(ctx, cu, events...)
}

// Unwrap returns the wrapped store (for tests and wiring that need the
// concrete store's own methods, such as SetWebhookQueue).
func (c *Store) Unwrap() gatehouse.Store { return c.Store }

// RevokeSession revokes and forgets one session, passing its events
// through.
func (c *Store) RevokeSession(ctx context.Context, orgID, id, reason string, now time.Time, events ...gatehouse.SessionEvent) error {
	done := c.invalidate(func() { c.dropSession(id) })
	defer done()
	return c.Store.RevokeSession(ctx, orgID, id, reason, now, events...)
}

// RevokeCustomerSessions revokes and forgets every session of a
// customer, passing its events through.
func (c *Store) RevokeCustomerSessions(ctx context.Context, orgID, customerID, reason string, now time.Time, events ...gatehouse.SessionEvent) (int, error) {
	done := c.invalidate(func() { c.dropCustomer(customerID) })
	defer done()
	return c.Store.RevokeCustomerSessions(ctx, orgID, customerID, reason, now, events...)
}

// Purge deletes expired rows and empties the cache (expired entries would
// otherwise stay until evicted; the caller classifies them anyway).
func (c *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	done := c.invalidate(c.reset)
	defer done()
	return c.Store.Purge(ctx, now)
}
