package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Session events (customer_session.created and .revoked) are opt-in, and
// session create is the hot write (group-committed on SQLite, thousands a
// second). A session change therefore takes the transactional path that
// writes events (lock the customer, write, fan out) only when the
// organization may have an endpoint subscribed to a customer_session
// type; otherwise it is the plain single-statement write, with no payload
// built (the SessionEvent functions are not called) and no query added.
//
// Whether an organization may have one is cached per organization
// (sessionSubs). The answer is exact for the endpoints this store wrote:
// CreateWebhookEndpoint and UpdateWebhookEndpoint forget the
// organization's entry after their write committed, so the next session
// change reads the endpoints again. Endpoints written by another instance
// (several on one PostgreSQL, or the CLI) are seen within
// sessionSubsTTL: a session change in that window may miss its event. A
// stale "yes" costs only the transactional path, whose fan-out reads the
// endpoints in the transaction and writes exactly the events the
// subscribed endpoints want.

// sessionSubsTTL bounds how stale a cached answer may be when another
// instance changed the organization's endpoints.
const sessionSubsTTL = 5 * time.Second

// sessionSubsMax bounds the cache; past it, it starts over.
const sessionSubsMax = 100_000

// sessionSubs caches, per organization, whether an enabled, live endpoint
// subscribes to a customer_session event type.
type sessionSubs struct {
	mu  sync.RWMutex // every session create reads; endpoint writes write
	gen uint64       // bumped by forget: a read begun before it is not stored
	m   map[string]subsEntry
}

type subsEntry struct {
	subscribed bool
	at         time.Time
}

// get returns the cached answer for orgID, if fresh at now, and the
// generation a read made now must store under.
func (c *sessionSubs) get(orgID string, now time.Time) (subscribed, ok bool, gen uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[orgID]
	if ok && now.Sub(e.at) < sessionSubsTTL && !now.Before(e.at) {
		return e.subscribed, true, c.gen
	}
	return false, false, c.gen
}

// put stores an answer read at at, unless forget ran since gen.
func (c *sessionSubs) put(orgID string, subscribed bool, at time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= sessionSubsMax {
		c.m = map[string]subsEntry{}
	}
	c.m[orgID] = subsEntry{subscribed, at}
}

// forget drops the answer for orgID: its endpoints changed.
func (c *sessionSubs) forget(orgID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, orgID)
}

// sessionEventsWanted reports whether a session change of the organization
// should take the path that writes events: some were given, and an
// endpoint may subscribe to them (see the comment above).
func (s *Store) sessionEventsWanted(ctx context.Context, orgID string, events []gatehouse.SessionEvent) (bool, error) {
	if len(events) == 0 {
		return false, nil
	}
	now := s.now()
	sub, ok, gen := s.sessionSubs.get(orgID, now)
	if ok {
		return sub, nil
	}
	st, err := s.stmt(ctx, `SELECT events FROM webhook_endpoints WHERE organization_id = ? AND enabled = ? AND deleted_at IS NULL`)
	if err != nil {
		return false, fmt.Errorf("find session webhook endpoints: %w", err)
	}
	rows, err := st.QueryContext(ctx, orgID, true)
	if err != nil {
		return false, fmt.Errorf("find session webhook endpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() && !sub {
		var raw string
		var types []string
		if err := rows.Scan(&raw); err != nil {
			return false, fmt.Errorf("find session webhook endpoints: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &types); err != nil {
			return false, fmt.Errorf("decode webhook endpoint events: %w", err)
		}
		sub = slices.ContainsFunc(types, func(t string) bool { return strings.HasPrefix(t, "customer_session.") })
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("find session webhook endpoints: %w", err)
	}
	s.sessionSubs.put(orgID, sub, now, gen)
	return sub, nil
}

// lockCustomer takes the customer row's lock on PostgreSQL before a
// session change writes its events, as UpdateCustomer holds it while it
// writes its own: a customer's events, of the customer or of its
// sessions, then take their seq in commit order. SQLite has one writer:
// nothing to lock. A missing row is left to the change to report.
func (s *Store) lockCustomer(ctx context.Context, tx *sql.Tx, orgID, customerID string) error {
	if s.dialect != dialectPostgres {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM customers WHERE id = ? AND organization_id = ? FOR UPDATE`), customerID, orgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}

// writeSessionEvents builds the events of a change of sessions (each as
// the change left it) and fans them out in tx.
func (s *Store) writeSessionEvents(ctx context.Context, tx *sql.Tx, orgID, customerID string, sessions []*gatehouse.Session, build []gatehouse.SessionEvent) error {
	events := make([]gatehouse.Event, 0, len(sessions)*len(build))
	for _, ss := range sessions {
		for _, b := range build {
			ev, err := b(ss)
			if err != nil {
				return fmt.Errorf("build event of session %s: %w", ss.ID, err)
			}
			events = append(events, ev)
		}
	}
	return s.writeEvents(ctx, tx, orgID, customerID, events)
}
