package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// Group commit (SQLite). SQLite has one writer, and each autocommit write
// pays for its own transaction: the WAL append, the locks, and under
// synchronous=FULL an fsync. groupCommitter funnels single-row writes of
// concurrent callers through one goroutine on the writer connection, which
// runs as many as are queued (up to groupMax) in one transaction.
//
// Guarantees:
//   - A caller returns nil only after the COMMIT of the transaction holding
//     its write has returned: every acknowledged write is committed, as
//     durable as any other commit (see the package comment: WAL with
//     synchronous=NORMAL survives a crash of the process, not a power loss;
//     synchronous=FULL survives both, with one fsync per batch).
//   - No added latency when idle: the committer takes whatever is queued
//     when it wakes and commits at once; it never waits for more.
//   - Each write is its own statement: a write that fails (a unique
//     violation) gets its error and the others of the batch still commit.
//     A failed COMMIT fails every write of the batch, none of which is
//     then visible.
//   - Context: a caller whose context ends while its write is still
//     queued gets the context's error, and its write is skipped, never
//     run. Once the committer has run the write, the caller waits for the
//     COMMIT (bounded by busy_timeout) and gets its outcome, so a returned
//     error always means "not written".
const (
	groupMax   = 256  // writes per transaction at most
	groupQueue = 1024 // queued writes before callers block
)

// write is one queued statement and the channel its outcome goes to.
type write struct {
	ctx   context.Context
	query string // already rebound
	args  []any
	done  chan writeResult
}

type writeResult struct {
	rows int64
	err  error
}

var errStoreClosed = errors.New("store closed")

type groupCommitter struct {
	db *sql.DB // the one-connection writer pool

	mu     sync.RWMutex // guards closed against sends on queue
	closed bool
	queue  chan *write
	exited chan struct{}

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // prepared on db
}

func newGroupCommitter(db *sql.DB) *groupCommitter {
	g := &groupCommitter{db: db, queue: make(chan *write, groupQueue), exited: make(chan struct{}), stmts: map[string]*sql.Stmt{}}
	go g.run()
	return g
}

var donePool = sync.Pool{New: func() any { return make(chan writeResult, 1) }}

// exec runs query with args in the next group transaction and returns the
// rows it affected once that transaction has committed.
func (g *groupCommitter) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	w := &write{ctx: ctx, query: query, args: args, done: donePool.Get().(chan writeResult)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return 0, errStoreClosed
	}
	select {
	case g.queue <- w:
	case <-ctx.Done():
		g.mu.RUnlock()
		return 0, ctx.Err()
	}
	g.mu.RUnlock()
	res := <-w.done // always: the committer answers every queued write
	donePool.Put(w.done)
	return res.rows, res.err
}

// close stops accepting writes, lets the committer finish the queued ones
// and waits for it.
func (g *groupCommitter) close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true
		close(g.queue)
	}
	g.mu.Unlock()
	<-g.exited
	g.stmtMu.Lock()
	for _, st := range g.stmts {
		st.Close()
	}
	g.stmts = nil
	g.stmtMu.Unlock()
}

func (g *groupCommitter) run() {
	defer close(g.exited)
	batch := make([]*write, 0, groupMax)
	for w := range g.queue {
		batch = append(batch[:0], w)
	fill:
		for len(batch) < groupMax {
			select {
			case w, ok := <-g.queue:
				if !ok {
					break fill
				}
				batch = append(batch, w)
			default:
				break fill
			}
		}
		g.commit(batch)
		clear(batch)
	}
}

// commit runs batch in one transaction and answers every write in it.
func (g *groupCommitter) commit(batch []*write) {
	results := make([]writeResult, len(batch))
	ran := make([]bool, len(batch))
	answer := func(txErr error) {
		for i, w := range batch {
			if ran[i] && results[i].err == nil && txErr != nil {
				results[i] = writeResult{err: txErr}
			}
			w.done <- results[i]
		}
	}
	// The transaction outlives any one caller's context. Statements are
	// prepared before it begins: the pool's one connection is the
	// transaction's until it ends.
	ctx := context.Background()
	stmts := make([]*sql.Stmt, len(batch))
	for i, w := range batch {
		stmts[i], results[i].err = g.stmt(ctx, w.query)
	}
	if len(batch) == 1 {
		// Alone in the queue: an autocommit statement is the cheapest
		// transaction (no BEGIN and COMMIT statements of its own).
		if results[0].err == nil {
			if results[0].err = batch[0].ctx.Err(); results[0].err == nil {
				var res sql.Result
				if res, results[0].err = stmts[0].ExecContext(ctx, batch[0].args...); results[0].err == nil {
					results[0].rows, results[0].err = res.RowsAffected()
				}
			}
		}
		answer(nil)
		return
	}
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		for i := range batch {
			results[i].err = err
		}
		answer(nil)
		return
	}
	var abort error // a failure that may have ended the transaction
	for i, w := range batch {
		switch {
		case results[i].err != nil:
			continue
		case abort != nil:
			results[i].err = abort
			continue
		}
		if err := w.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		ran[i] = true
		res, err := tx.StmtContext(ctx, stmts[i]).ExecContext(ctx, w.args...)
		if err != nil {
			// A constraint violation undoes only its statement; anything
			// else (I/O, full disk) may have rolled the transaction back,
			// so nothing more runs in it.
			results[i].err = err
			if !constraintViolation(err) {
				abort = err
			}
			continue
		}
		results[i].rows, results[i].err = res.RowsAffected()
	}
	if abort != nil {
		tx.Rollback()
		answer(abort)
		return
	}
	answer(tx.Commit())
}

// stmt returns query prepared on the writer pool.
func (g *groupCommitter) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	g.stmtMu.Lock()
	defer g.stmtMu.Unlock()
	if st, ok := g.stmts[query]; ok {
		return st, nil
	}
	st, err := g.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	g.stmts[query] = st
	return st, nil
}
