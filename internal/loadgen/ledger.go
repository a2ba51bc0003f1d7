package loadgen

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// CustomerRecord is what the generator knows about one customer it created.
type CustomerRecord struct {
	// ID is the server's ID; set once the create was acknowledged.
	ID string
	// ExternalID and Email were sent with the create; both are unique.
	ExternalID, Email string
	// Gen is the generation of the last acknowledged update (0: the create).
	// An update of generation g sets name "gen-g" and metadata gen=g in
	// one PATCH, so a half-applied update shows as a mismatch.
	Gen int
	// PendingGen is the generation of an update sent but never
	// acknowledged (0: none): the server may hold Gen or PendingGen.
	PendingGen int
	// Deleted is set once a delete was acknowledged; DeletePending while a
	// delete was sent without an acknowledgement.
	Deleted, DeletePending bool
	// Changes is every write of this customer that the server
	// acknowledged or may have applied (no answer), in the order sent:
	// what its webhook events must describe (CheckEvents). Writes the
	// server refused are not in it.
	Changes []Change

	busy     bool             // an operation on this customer is in flight
	sessions []*SessionRecord // its sessions, to retire them on delete
}

// copy returns c with a Changes of its own. Call with the ledger's lock
// held.
func (c *CustomerRecord) copy() CustomerRecord {
	out := *c
	out.Changes = slices.Clone(c.Changes)
	out.sessions = nil
	return out
}

// SessionRecord is one customer session the server acknowledged.
type SessionRecord struct {
	ID, Token, CustomerID string
	// Revoked is set once a revoke was acknowledged; RevokePending while a
	// revoke was sent without an acknowledgement.
	Revoked, RevokePending bool

	busy bool
}

// Ledger records every write the server acknowledged, and every write sent
// whose outcome is unknown (the connection broke before the answer), so a
// test can check them against the server after a crash. It outlives a
// Generator: one Ledger is shared by the rounds of a crash test. It holds
// raw session tokens: never log it.
type Ledger struct {
	seq atomic.Int64

	mu        sync.Mutex
	customers []*CustomerRecord // acknowledged creates
	unacked   []*CustomerRecord // creates sent, outcome unknown
	sessions  []*SessionRecord
	byID      map[string]*CustomerRecord

	// live and liveSessions index the records operations may pick (not
	// deleted, not revoked), so that picking stays O(1) and the traffic
	// mix does not drift as dead records pile up over a long run.
	live         pool[*CustomerRecord]
	liveSessions pool[*SessionRecord]
}

// pool is a set with O(1) add, remove and random pick.
type pool[T comparable] struct {
	items []T
	index map[T]int
}

func (p *pool[T]) add(x T) {
	if p.index == nil {
		p.index = map[T]int{}
	}
	if _, ok := p.index[x]; ok {
		return
	}
	p.index[x] = len(p.items)
	p.items = append(p.items, x)
}

func (p *pool[T]) remove(x T) {
	i, ok := p.index[x]
	if !ok {
		return
	}
	last := p.items[len(p.items)-1]
	p.items[i] = last
	p.index[last] = i
	p.items = p.items[:len(p.items)-1]
	delete(p.index, x)
}

func (p *pool[T]) pick(r *rand.Rand) (T, bool) {
	var zero T
	if len(p.items) == 0 {
		return zero, false
	}
	return p.items[r.IntN(len(p.items))], true
}

// NewLedger returns an empty Ledger.
func NewLedger() *Ledger {
	return &Ledger{byID: map[string]*CustomerRecord{}}
}

// next returns a number unique within the ledger, for emails and IDs.
func (l *Ledger) next() int64 { return l.seq.Add(1) }

// Customers returns copies of the acknowledged customer records.
func (l *Ledger) Customers() []CustomerRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]CustomerRecord, len(l.customers))
	for i, c := range l.customers {
		out[i] = c.copy()
	}
	return out
}

// Unacknowledged returns copies of the customer creates that were sent but
// never acknowledged.
func (l *Ledger) Unacknowledged() []CustomerRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]CustomerRecord, len(l.unacked))
	for i, c := range l.unacked {
		out[i] = c.copy()
	}
	return out
}

// Sessions returns copies of the acknowledged session records.
func (l *Ledger) Sessions() []SessionRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SessionRecord, len(l.sessions))
	for i, s := range l.sessions {
		out[i] = *s
	}
	return out
}

// Tokens returns every raw session token the server issued, for leak scans.
func (l *Ledger) Tokens() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, len(l.sessions))
	for i, s := range l.sessions {
		out[i] = s.Token
	}
	return out
}

// Counts returns how many customers, sessions and revoked sessions the
// ledger holds as acknowledged.
func (l *Ledger) Counts() (customers, sessions, revoked int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.sessions {
		if s.Revoked {
			revoked++
		}
	}
	return len(l.customers), len(l.sessions), revoked
}

// addCustomer records an acknowledged create.
func (l *Ledger) addCustomer(c *CustomerRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.customers = append(l.customers, c)
	l.byID[c.ID] = c
	l.live.add(c)
}

func (l *Ledger) addUnacked(c *CustomerRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.unacked = append(l.unacked, c)
}

func (l *Ledger) addSession(s *SessionRecord) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sessions = append(l.sessions, s)
	if c := l.byID[s.CustomerID]; c != nil {
		c.sessions = append(c.sessions, s)
		if !c.Deleted && !c.DeletePending {
			l.liveSessions.add(s)
		}
	}
}

// retireCustomer takes a customer (being deleted) and its sessions out of
// the pools. Call with l.mu held.
func (l *Ledger) retireCustomer(c *CustomerRecord) {
	l.live.remove(c)
	for _, s := range c.sessions {
		l.liveSessions.remove(s)
	}
}

// customerLive reports whether the customer with id is certainly not
// deleted (no delete acknowledged or pending).
func (l *Ledger) customerLive(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.customerLiveLocked(id)
}

// claimCustomer picks a random live customer not in use and marks it busy;
// nil when there is none. Call release when done.
func (l *Ledger) claimCustomer(r *rand.Rand) *CustomerRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 8 {
		c, ok := l.live.pick(r)
		if !ok {
			return nil
		}
		if !c.busy {
			c.busy = true
			return c
		}
	}
	return nil
}

// claimSession picks a random session whose customer is live, that is not
// revoked and not in use, and marks it busy; nil when there is none.
func (l *Ledger) claimSession(r *rand.Rand) *SessionRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 8 {
		s, ok := l.liveSessions.pick(r)
		if !ok {
			return nil
		}
		if !s.busy {
			s.busy = true
			return s
		}
	}
	return nil
}

// update runs fn on a record under the ledger's lock.
func (l *Ledger) update(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn()
}

// customerLiveLocked is customerLive with l.mu already held.
func (l *Ledger) customerLiveLocked(id string) bool {
	c := l.byID[id]
	return c != nil && !c.Deleted && !c.DeletePending
}
