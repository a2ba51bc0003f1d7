package sqlstore

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// Read batching (PostgreSQL). Every token check on PostgreSQL is a round
// trip, and most of its cost on the server is per statement (parse of the
// bind, plan, executor start-up), not per row. sessionBatcher gathers the
// SessionByHash calls of concurrent requests into one statement,
//
//	SELECT s.token_hash, ... WHERE s.token_hash = ANY($1) ...
//
// and hands each caller the row that matches one of its own hashes.
//
// Guarantees:
//   - No added latency when idle: a call made while fewer than maxInFlight
//     batches are running is sent at once, alone. Calls made while all the
//     slots are busy queue and leave together (up to batchMax of them) as
//     soon as a slot frees.
//   - Freshness is unchanged: a batch is formed only from calls made before
//     it is sent, and PostgreSQL takes the statement's snapshot when it
//     starts, so every call reads the database as it was after the call was
//     made. A revocation or customer deletion committed before a check is
//     seen by that check, on every instance; nothing is cached.
//   - Each caller gets exactly its own result: the session matching one of
//     its hashes with a fresh Session and Customer (never shared with
//     another caller), or ENotFound. A failed batch gives its error to
//     every caller of that batch.
//   - Context: a caller whose context ends stops waiting and gets the
//     context's error; a call still queued is dropped from the next batch;
//     a batch already sent runs on (bounded by statement_timeout plus
//     batchGrace).
//
// Batches in flight (Options.ReadBatches, default 1): more batches at once
// make them smaller and PostgreSQL's per-statement work returns; one batch
// already takes every check queued while the previous one ran.
// BenchmarkSessionByHashPostgresParallel measures it, and bench/run the
// check end to end: both are in bench/README.md ("PostgreSQL token-check
// batching").
const (
	batchMax   = 128             // calls per statement at most
	batchGrace = 2 * time.Second // a batch's deadline beyond statement_timeout
)

// sessionByHashBatch is the batched token check; s.token_hash (in
// sessionColumns) routes each row back to the callers that asked for it.
const sessionByHashBatch = `SELECT ` + sessionColumns + `, ` + customerColumns + `
	FROM customer_sessions s JOIN customers c ON c.id = s.customer_id
	WHERE s.token_hash = ANY(?)
	AND c.organization_id = s.organization_id AND c.deleted_at IS NULL`

// lookup is one queued SessionByHash call.
type lookup struct {
	ctx    context.Context
	hashes []string
	done   chan lookupResult // buffered: the batch never blocks on it
}

type lookupResult struct {
	sess *gatehouse.Session
	cust *gatehouse.Customer
	err  error
}

type sessionBatcher struct {
	s           *Store
	maxInFlight int
	timeout     time.Duration // of one batch, a stalled connection included

	mu       sync.Mutex
	queue    []*lookup
	inFlight int

	// calls and statements count what went out (tests read them).
	calls, statements atomic.Int64
}

// newSessionBatcher returns a batcher running up to maxInFlight batches at
// once (at least 1), each under statementTimeout plus batchGrace.
func newSessionBatcher(s *Store, maxInFlight int, statementTimeout time.Duration) *sessionBatcher {
	return &sessionBatcher{s: s, maxInFlight: max(1, maxInFlight), timeout: statementTimeout + batchGrace}
}

// get is SessionByHash through the batcher.
func (b *sessionBatcher) get(ctx context.Context, hashes []string) (*gatehouse.Session, *gatehouse.Customer, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, b.s.wrap(err, "check session")
	}
	// The batch reads hashes after a canceled caller has returned: it gets
	// its own copy.
	l := &lookup{ctx: ctx, hashes: slices.Clone(hashes), done: make(chan lookupResult, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, l)
	start := b.inFlight < b.maxInFlight
	if start {
		b.inFlight++
	}
	b.mu.Unlock()
	if start {
		go b.run()
	}
	select {
	case r := <-l.done:
		return r.sess, r.cust, r.err
	case <-ctx.Done():
		return nil, nil, b.s.wrap(ctx.Err(), "check session")
	}
}

// run holds one in-flight slot: it sends the queued calls as batches until
// the queue is empty, then gives the slot back.
func (b *sessionBatcher) run() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), batchMax)
		if n == 0 {
			b.inFlight--
			b.mu.Unlock()
			return
		}
		batch := make([]*lookup, n)
		copy(batch, b.queue)
		rest := copy(b.queue, b.queue[n:])
		clear(b.queue[rest:])
		b.queue = b.queue[:rest]
		b.mu.Unlock()
		b.send(batch)
	}
}

// send runs one batch and answers each of its callers.
func (b *sessionBatcher) send(batch []*lookup) {
	live := batch[:0]
	for _, l := range batch {
		if l.ctx.Err() == nil {
			live = append(live, l)
		}
	}
	if len(live) == 0 {
		return
	}
	b.calls.Add(int64(len(live)))
	// waiters maps each hash to the callers that asked for it. A hash
	// PostgreSQL text cannot hold (NUL, invalid UTF-8) matches nothing and
	// must not fail the other callers' statement: it is left out.
	waiters := make(map[string][]*lookup, len(live))
	arr := make([]string, 0, len(live))
	for _, l := range live {
		for _, h := range l.hashes {
			if strings.IndexByte(h, 0) >= 0 || !utf8.ValidString(h) {
				continue
			}
			ws, seen := waiters[h]
			if !seen {
				arr = append(arr, h)
			}
			if len(ws) == 0 || ws[len(ws)-1] != l {
				waiters[h] = append(ws, l)
			}
		}
	}
	answered := make(map[*lookup]bool, len(live))
	err := b.query(arr, func(sd *sessionDest, cd *customerDest) {
		for _, l := range waiters[sd.s.TokenHash] {
			if answered[l] {
				continue
			}
			answered[l] = true
			var r lookupResult
			if r.sess, r.err = sd.session(); r.err == nil {
				r.cust, r.err = cd.customer()
			}
			if r.err != nil {
				r.sess, r.cust = nil, nil
			}
			l.done <- r
		}
	})
	for _, l := range live {
		if answered[l] {
			continue
		}
		if err != nil {
			l.done <- lookupResult{err: err}
		} else {
			l.done <- lookupResult{err: gatehouse.ErrNotFound}
		}
	}
}

// query runs the batched statement for hashes and calls row for each match.
func (b *sessionBatcher) query(hashes []string, row func(*sessionDest, *customerDest)) error {
	if len(hashes) == 0 {
		return nil
	}
	b.statements.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	st, err := b.s.stmt(ctx, sessionByHashBatch)
	if err != nil {
		return b.s.wrap(err, "check session")
	}
	rows, err := st.QueryContext(ctx, hashes)
	if err != nil {
		return b.s.wrap(err, "check session")
	}
	defer rows.Close()
	var sd sessionDest
	var cd customerDest
	targets := append(sd.targets(), cd.targets()...)
	for rows.Next() {
		sd, cd = sessionDest{}, customerDest{}
		if err := rows.Scan(targets...); err != nil {
			return b.s.wrap(err, "check session")
		}
		row(&sd, &cd)
	}
	return b.s.wrap(rows.Err(), "check session")
}
