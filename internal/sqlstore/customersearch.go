package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/customerindex"
)

// On SQLite the customer list is answered from memory: an in-memory index
// per organization (internal/customerindex) finds, orders and counts the
// matches, and the page's rows come from a cache of decoded customers,
// read from the database only on a miss: orders of magnitude faster than
// the SQL path (BenchmarkListCustomers; its figures are in bench/README.md,
// under "list").
//
// The index must equal the database, whoever writes it. Triggers bump
// customers_version on every write to customers (migration 0003). The
// store's own writes hold the index's write lock across their transaction,
// read the version before and after writing, and apply themselves to the
// index, which then stays current. A list reads the version and, when it
// is the one the index is current with, answers from the index; rows
// missing from the cache are read by one statement that also reads the
// version, which must not have moved. So the count, the order and the rows
// all describe one state of the database. Any other version means another
// connection (the CLI, another process) changed customers: every index and
// cached row is dropped and the organization's index is loaded again.
//
// Lists with a metadata filter, and organizations whose customers would
// take the indexed total past its bound, use the SQL path.
type customerSearch struct {
	maxIndexed int // customers indexed at most, over all organizations
	maxRows    int // decoded rows cached at most

	mu      sync.RWMutex
	version int64                           // customers_version the indexes are current with; -1: none
	epoch   uint64                          // bumped by every write of ours and every reset
	orgs    map[string]*customerindex.Index // a nil index: too large, served by SQL
	indexed int                             // customers in orgs

	loadMu  sync.Mutex
	loading map[string]chan struct{} // organizations being loaded; closed when done
	loads   atomic.Int64             // indexes read from the database, for tests

	rowsMu sync.Mutex
	rows   map[string]*gatehouse.Customer // by ID; current at version

	// memo keeps the matches of recent searches (paging through a
	// search, or the same search again, costs one search). An index's
	// matches stay valid until it changes, so every write of ours drops
	// its organization's entries, and reset drops all.
	memoMu    sync.Mutex
	memo      map[memoKey]customerindex.Matches
	memoSlots int // matches held by memo, over all entries
}

type memoKey struct{ org, text, email, sort string }

// memoKeyOf is the memo key of a list of org with f.
func memoKeyOf(org string, f gatehouse.CustomerFilter) memoKey {
	var sb strings.Builder
	for _, sf := range f.Sorting {
		if sf.Desc {
			sb.WriteByte('-')
		}
		sb.WriteString(sf.Field)
		sb.WriteByte(',')
	}
	return memoKey{org: org, text: f.Query, email: f.Email, sort: sb.String()}
}

// Default bounds of the customer search: about 260 bytes of memory per
// indexed customer, 1 KB per cached row.
const (
	defaultSearchRows = 10_000
	// At most memoEntries searches are remembered, holding at most
	// memoMatches matches in all (4 bytes each: 8 MB), so that an
	// unfiltered list of an organization of up to 500,000 customers (the
	// default dashboard view, paged) is one of them.
	memoEntries = 64
	memoMatches = 2_000_000
)

func newCustomerSearch(maxIndexed int) *customerSearch {
	if maxIndexed == 0 {
		maxIndexed = DefaultSearchIndex
	}
	cs := &customerSearch{maxIndexed: maxIndexed, maxRows: defaultSearchRows, loading: map[string]chan struct{}{}}
	cs.reset(-1)
	return cs
}

// reset drops every index and cached row; cs.mu must be held for writing.
func (cs *customerSearch) reset(version int64) {
	cs.version = version
	cs.epoch++
	cs.orgs = map[string]*customerindex.Index{}
	cs.indexed = 0
	cs.rowsMu.Lock()
	cs.rows = map[string]*gatehouse.Customer{}
	cs.rowsMu.Unlock()
	cs.memoMu.Lock()
	cs.memo = map[memoKey]customerindex.Matches{}
	cs.memoSlots = 0
	cs.memoMu.Unlock()
}

// find returns the matches of f in x, the index of org, from the memo when
// it has them. cs.mu must be held (for reading at least).
func (cs *customerSearch) find(x *customerindex.Index, org string, f gatehouse.CustomerFilter) customerindex.Matches {
	key := memoKeyOf(org, f)
	cs.memoMu.Lock()
	m, ok := cs.memo[key]
	cs.memoMu.Unlock()
	if ok {
		return m
	}
	m = x.Find(customerindex.Query{Text: f.Query, Email: f.Email, Sort: f.Sorting})
	if m.Len() <= memoMatches/4 {
		cs.memoMu.Lock()
		// Forget entries, in Go's random map order, until this one fits.
		for k, old := range cs.memo {
			if len(cs.memo) < memoEntries && cs.memoSlots+m.Len() <= memoMatches {
				break
			}
			delete(cs.memo, k)
			cs.memoSlots -= old.Len()
		}
		if old, ok := cs.memo[key]; ok { // another list memoized it meanwhile
			cs.memoSlots -= old.Len()
		}
		cs.memo[key] = m
		cs.memoSlots += m.Len()
		cs.memoMu.Unlock()
	}
	return m
}

// forgetOrg drops the memo of org's searches; cs.mu must be held for
// writing.
func (cs *customerSearch) forgetOrg(org string) {
	cs.memoMu.Lock()
	for k, m := range cs.memo {
		if k.org == org {
			delete(cs.memo, k)
			cs.memoSlots -= m.Len()
		}
	}
	cs.memoMu.Unlock()
}

var (
	// errIndexStale reports rows the index names but the database lacks.
	errIndexStale = errors.New("customer index does not match the database")
	// errVersionMoved reports rows read after another process changed
	// customers.
	errVersionMoved = errors.New("customers changed while reading a page")
)

const versionQuery = `SELECT n FROM customers_version WHERE id = 1`

// listIndexed answers a list from the index. ok is false when the SQL
// path must answer instead.
func (s *Store) listIndexed(ctx context.Context, orgID string, f gatehouse.CustomerFilter, limit, offset int) (out []*gatehouse.Customer, total int, ok bool, err error) {
	for range 4 {
		out, total, ok, next, err := s.tryIndexed(ctx, orgID, f, limit, offset)
		switch {
		case err != nil || next == answered:
			return out, total, ok, err
		case next == reload:
			if err := s.loadIndex(ctx, orgID); err != nil {
				return nil, 0, false, err
			}
		}
	}
	return nil, 0, false, nil // customers keep changing behind the index: SQL
}

// What tryIndexed leaves to do.
type indexNext int

const (
	answered indexNext = iota // out, total and ok are the answer
	reload                    // the organization's index is missing or behind the database
	retry                     // a write of ours landed between the version read and the index
)

// tryIndexed answers from the index if it is current with the database.
func (s *Store) tryIndexed(ctx context.Context, orgID string, f gatehouse.CustomerFilter, limit, offset int) (out []*gatehouse.Customer, total int, ok bool, next indexNext, err error) {
	cs := s.search
	version, err := s.customersVersion(ctx)
	if err != nil {
		return nil, 0, false, answered, s.wrap(err, "list customers")
	}
	cs.mu.RLock()
	defer cs.mu.RUnlock()
	x, found := cs.orgs[orgID]
	switch {
	case found && version < cs.version:
		// Versions only grow: the index already has a write that
		// committed after our read.
		return nil, 0, false, retry, nil
	case !found || version != cs.version:
		return nil, 0, false, reload, nil
	case x == nil:
		return nil, 0, false, answered, nil // too large: SQL
	}
	m := cs.find(x, orgID, f)
	out, err = s.pageRows(ctx, x.Page(m, offset, limit), version)
	switch {
	case errors.Is(err, errVersionMoved):
		return nil, 0, false, reload, nil // another process wrote meanwhile
	case errors.Is(err, errIndexStale):
		// Not expected: fall back to SQL, and have the next list reload.
		go s.dropIndexes()
		return nil, 0, false, answered, nil
	case err != nil:
		return nil, 0, false, answered, s.wrap(err, "list customers")
	}
	return out, m.Len(), true, answered, nil
}

// customersVersion reads customers_version (a prepared statement).
func (s *Store) customersVersion(ctx context.Context) (int64, error) {
	st, err := s.stmt(ctx, versionQuery)
	if err != nil {
		return 0, err
	}
	var version int64
	err = st.QueryRowContext(ctx).Scan(&version)
	return version, err
}

func (s *Store) dropIndexes() {
	s.search.mu.Lock()
	s.search.reset(-1)
	s.search.mu.Unlock()
}

// loadIndex loads the organization's index (or marks it too large), one
// load per organization at a time: concurrent lists wait for it.
//
// The load reads its snapshot without holding the index's lock, so lists
// of other organizations and customer writes go on meanwhile. It installs
// the result only if no write of ours happened during the read (cs.epoch
// unchanged): the snapshot then differs from the indexes only by writes of
// other processes, if its version says so, and everything else is dropped.
// After two loads overtaken by writes, the third holds the lock throughout.
func (s *Store) loadIndex(ctx context.Context, orgID string) error {
	cs := s.search
	cs.loadMu.Lock()
	if done, ok := cs.loading[orgID]; ok {
		cs.loadMu.Unlock()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return s.wrap(ctx.Err(), "load customer index")
		}
	}
	done := make(chan struct{})
	cs.loading[orgID] = done
	cs.loadMu.Unlock()
	defer func() {
		cs.loadMu.Lock()
		delete(cs.loading, orgID)
		cs.loadMu.Unlock()
		close(done)
	}()
	// Another load may have finished between our caller's look and ours.
	version, err := s.customersVersion(ctx)
	if err != nil {
		return s.wrap(err, "load customer index")
	}
	cs.mu.RLock()
	_, found := cs.orgs[orgID]
	current := found && cs.version >= version
	cs.mu.RUnlock()
	if current {
		return nil
	}
	for attempt := 0; ; attempt++ {
		locked := attempt == 2
		var epoch uint64
		if locked {
			cs.mu.Lock()
		} else {
			cs.mu.RLock()
			epoch = cs.epoch
			cs.mu.RUnlock()
		}
		x, version, err := s.readIndex(ctx, orgID)
		cs.loads.Add(1)
		if !locked {
			cs.mu.Lock()
		}
		if err == nil && (locked || cs.epoch == epoch) {
			if version != cs.version {
				cs.reset(version)
			}
			if prev := cs.orgs[orgID]; prev != nil { // replaced: its memo and count go
				cs.forgetOrg(orgID)
				cs.indexed -= prev.Len()
			}
			if x == nil || cs.indexed+x.Len() > cs.maxIndexed {
				cs.orgs[orgID] = nil
			} else {
				cs.orgs[orgID] = x
				cs.indexed += x.Len()
			}
			cs.mu.Unlock()
			return nil
		}
		cs.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// readIndex reads the organization's live customers into a new index, and
// the customers_version of the snapshot it read them in. x is nil when
// they are more than the search may hold.
func (s *Store) readIndex(ctx context.Context, orgID string) (x *customerindex.Index, version int64, err error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, s.wrap(err, "load customer index")
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, versionQuery).Scan(&version); err != nil {
		return nil, 0, s.wrap(err, "load customer index")
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE organization_id = ? AND deleted_at IS NULL`, orgID).Scan(&n); err != nil {
		return nil, 0, s.wrap(err, "load customer index")
	}
	if n > s.search.maxIndexed {
		return nil, version, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, created_at, email_lower, name_lower, billing_name_lower, external_id_lower
		FROM customers WHERE organization_id = ? AND deleted_at IS NULL`, orgID)
	if err != nil {
		return nil, 0, s.wrap(err, "load customer index")
	}
	defer rows.Close()
	x = customerindex.New()
	for rows.Next() {
		var d customerindex.Doc
		var email, name, billing, ext sql.NullString
		if err := rows.Scan(&d.ID, &d.CreatedAt, &email, &name, &billing, &ext); err != nil {
			return nil, 0, s.wrap(err, "load customer index")
		}
		d.Email, d.Name, d.BillingName, d.ExternalID = strPtr(email), strPtr(name), strPtr(billing), strPtr(ext)
		x.Put(d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err, "load customer index")
	}
	return x, version, nil
}

// pageRows returns the customers with ids, in order: from the row cache
// (shared, not copied: callers must not change them),
// else read from the database (and cached) together with customers_version,
// which must still be version: the rows then belong to the state the index
// describes. cs.mu must be held for reading, so that no write of ours
// commits meanwhile. (No transaction is needed: the version is read once
// before the search, and again by the one statement that reads the rows.)
func (s *Store) pageRows(ctx context.Context, ids []string, version int64) ([]*gatehouse.Customer, error) {
	cs := s.search
	out := make([]*gatehouse.Customer, len(ids))
	var missing []any
	cs.rowsMu.Lock()
	for i, id := range ids {
		if c := cs.rows[id]; c != nil {
			out[i] = c
		} else {
			missing = append(missing, id)
		}
	}
	cs.rowsMu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+customerColumns+`, (`+versionQuery+`) FROM customers c
		WHERE c.id IN (`+placeholders(len(missing))+`) AND c.deleted_at IS NULL`, missing...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	read := make(map[string]*gatehouse.Customer, len(missing))
	for rows.Next() {
		var d customerDest
		var v int64
		if err := rows.Scan(append(d.targets(), &v)...); err != nil {
			return nil, err
		}
		if v != version {
			return nil, errVersionMoved
		}
		c, err := d.customer()
		if err != nil {
			return nil, err
		}
		read[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	cs.rowsMu.Lock()
	defer cs.rowsMu.Unlock()
	if len(cs.rows)+len(read) > cs.maxRows {
		// Forget a quarter of the cache, in Go's random map order.
		drop := len(cs.rows) / 4
		for id := range cs.rows {
			if drop == 0 {
				break
			}
			delete(cs.rows, id)
			drop--
		}
	}
	for i, id := range ids {
		if out[i] != nil {
			continue
		}
		c := read[id]
		if c == nil {
			return nil, errIndexStale
		}
		cs.rows[id] = c
		out[i] = c
	}
	return out, nil
}

// writeCustomer runs a customer write (the transaction fn) and keeps the
// customer search current with it: under the index's write lock, it reads
// customers_version before and after fn in the same transaction. When the
// version before is the one the index is current with, the write is the
// only change since, and it is applied to the index, now current with the
// version after; otherwise customers changed behind the index and it is
// dropped.
func (s *Store) writeCustomer(ctx context.Context, c *gatehouse.Customer, fn func(tx *sql.Tx) error) error {
	cs := s.search
	if cs == nil {
		return s.tx(ctx, fn)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	var before, after int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, versionQuery).Scan(&before); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, versionQuery).Scan(&after)
	})
	if err != nil {
		return err
	}
	if before != cs.version && len(cs.orgs) > 0 {
		cs.reset(-1)
		return nil
	}
	// (With nothing indexed nothing can be stale: the version is simply
	// the one after this write.)
	cs.version = after
	cs.epoch++
	cs.rowsMu.Lock()
	delete(cs.rows, c.ID)
	cs.rowsMu.Unlock()
	x := cs.orgs[c.OrganizationID]
	if x == nil {
		return nil
	}
	cs.forgetOrg(c.OrganizationID)
	if c.DeletedAt != nil {
		if x.Delete(c.ID) {
			cs.indexed--
		}
		return nil
	}
	n := x.Len()
	x.Put(customerindex.Doc{ID: c.ID, CreatedAt: micros(c.CreatedAt),
		Email: c.Email, Name: c.Name, BillingName: c.BillingName, ExternalID: c.ExternalID})
	cs.indexed += x.Len() - n
	return nil
}
