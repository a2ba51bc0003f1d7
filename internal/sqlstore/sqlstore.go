// Package sqlstore implements gatehouse.Store once, over database/sql, for
// two dialects: SQLite (modernc.org/sqlite, pure Go) and PostgreSQL
// (github.com/jackc/pgx/v5/stdlib). Queries are written once with "?"
// placeholders and rebound for PostgreSQL; the few statements that differ
// live in the dialect shim.
//
// Times are stored as BIGINT unix microseconds in UTC on both backends, so a
// value read back is exactly the time.Time (UTC, truncated to microseconds)
// that was written. Store methods normalize the times of the values they
// insert in place, so the caller's struct equals what a later read returns.
//
// The token check (SessionByHash) is one indexed lookup through a prepared
// statement (BenchmarkSessionByHash; its figures are in bench/README.md).
// On PostgreSQL, where every check is a round trip and most of the
// server's cost is per statement, concurrent checks are gathered into one
// "token_hash = ANY($1)" statement (readbatch.go): no cache, no added
// latency when idle, and each check still reads the database after it was
// made, so a revocation is seen by the next check on every instance.
//
// SQLite durability: the database runs in WAL mode with synchronous=NORMAL.
// A committed transaction survives a crash of the process; a power loss or
// kernel crash may lose the last transactions committed before it, never
// corrupt the file. FULL adds an fsync of the WAL to every commit, which
// caps the single writer below the create target (BenchmarkCreateSessionSync
// in bench/README.md). Pass "?_synchronous=FULL" in the DSN to fsync the WAL
// on every commit instead (survives power loss). Session inserts and
// usage writes go through a group committer (groupcommit.go): concurrent
// ones share one transaction, and so one fsync under FULL, and each caller
// is answered only after its transaction committed.
//
// SQLite allows one writer at a time: every write goes
// through a pool of exactly one connection whose transactions begin
// IMMEDIATE, so writers queue instead of failing with SQLITE_BUSY, and
// busy_timeout (10s) covers another process (the CLI) writing the same file.
// Reads use a separate pool of read-only connections.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Options tunes the connection pools.
type Options struct {
	MaxConns         int           // PostgreSQL pool size (0: default 20); SQLite read pool size (0: default 4)
	StatementTimeout time.Duration // PostgreSQL statement_timeout (0: DefaultStatementTimeout)
	// ReadBatches is how many batched token checks PostgreSQL runs at once
	// (0: default 1, see readbatch.go). One is the fastest measured on a
	// 2-core machine; a PostgreSQL server with many cores may want more.
	ReadBatches int
	// SearchIndex bounds how many customers the SQLite customer search
	// (customersearch.go) holds in memory, over all organizations (0:
	// DefaultSearchIndex; SearchIndexOff: off, every list runs SQL).
	// Ignored on PostgreSQL: several instances share it, and an index in
	// one of them would not see the others' writes.
	SearchIndex int
	// Sealer seals webhook endpoint secrets for storage and opens them
	// (internal/token.Sealer). Without one the store refuses to create,
	// update or read endpoints (EInternal).
	Sealer gatehouse.Sealer
}

// Values of Options.SearchIndex. Off is -1, never 0: 0 is the zero
// Options, which gets the default, and "gatehouse serve
// --search-index-max" passes its value through unchanged.
const (
	DefaultSearchIndex = 1_000_000 // about 250 MB of index at most
	SearchIndexOff     = -1        // (any negative value is off too)
)

// Store is the SQL implementation of gatehouse.Store.
type Store struct {
	dialect dialect
	// w runs every write; r every read. They are the same pool on
	// PostgreSQL; on SQLite w has exactly one connection.
	w, r *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt // prepared hot-path statements on r

	// gc batches the hot single-row writes (CreateSession, TouchSession)
	// into group commits on SQLite; nil on PostgreSQL.
	gc *groupCommitter

	// search answers customer lists from memory on SQLite; nil on
	// PostgreSQL or when off.
	search *customerSearch

	// batch gathers concurrent token checks into one statement on
	// PostgreSQL (readbatch.go); nil on SQLite.
	batch *sessionBatcher

	// sealer seals webhook secrets (Options.Sealer); queue takes the jobs
	// of the webhook events a transaction writes (SetWebhookQueue).
	sealer gatehouse.Sealer
	queue  atomic.Pointer[gatehouse.WebhookQueue]
	// sessionSubs knows per organization whether session changes have
	// anyone to report to (session_events.go).
	sessionSubs sessionSubs
	// now stamps the webhook writes whose contract method takes no time
	// (skip, redeliver, the waiting mark).
	now func() time.Time
}

var (
	_ gatehouse.Store              = (*Store)(nil)
	_ gatehouse.CustomerListSharer = (*Store)(nil)
)

// Open connects to the database named by dsn ("sqlite:path",
// "sqlite:///abs/path", "postgres://..." or "postgresql://...") and checks
// that it answers. It does not migrate: call Migrate. A database that does
// not answer is an EUnavailable error.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opts)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn, opts)
	}
	return nil, gatehouse.Errorf(gatehouse.EInvalid, "unsupported database URL: want sqlite:PATH or postgres://...")
}

func newStore(d dialect, w, r *sql.DB) *Store {
	s := &Store{dialect: d, w: w, r: r, stmts: map[string]*sql.Stmt{}, now: time.Now}
	if d == dialectSQLite {
		s.gc = newGroupCommitter(w)
	}
	return s
}

// execHot runs a single-row write: through the group committer on SQLite,
// directly on PostgreSQL (where each connection commits on its own). It
// returns the number of rows affected.
func (s *Store) execHot(ctx context.Context, query string, args ...any) (int64, error) {
	if s.gc != nil {
		return s.gc.exec(ctx, query, args...)
	}
	res, err := s.w.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return string(s.dialect) }

// SharesListedCustomers reports whether ListCustomers may hand the same
// customer values to several calls: with the SQLite customer search on,
// whose index lists what it holds (an organization past the index's bound
// gets fresh values from SQL); never on PostgreSQL or with the index off.
func (s *Store) SharesListedCustomers() bool { return s.search != nil }

// DB returns the pool that writes (for tests and bulk loading).
func (s *Store) DB() *sql.DB { return s.w }

// Close finishes the queued writes and closes the pools.
func (s *Store) Close() error {
	if s.gc != nil {
		s.gc.close()
	}
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	s.mu.Unlock()
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Ping reports whether the database answers (EUnavailable if not).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.r.PingContext(ctx); err != nil {
		return s.wrap(err, "ping")
	}
	if s.r != s.w {
		if err := s.w.PingContext(ctx); err != nil {
			return s.wrap(err, "ping")
		}
	}
	return nil
}

// q rebinds a query written with ? placeholders for the dialect.
func (s *Store) q(query string) string { return s.dialect.rebind(query) }

// stmt returns a prepared statement for query on the read pool, preparing it
// on first use. A failed prepare is not cached (the schema may be missing).
func (s *Store) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	st, ok := s.stmts[query]
	s.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, s.q(query))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stmts == nil {
		st.Close()
		return nil, errors.New("store closed")
	}
	if old, ok := s.stmts[query]; ok {
		st.Close()
		return old, nil
	}
	s.stmts[query] = st
	return st, nil
}

// tx runs fn in a write transaction and commits it when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// wrap classifies err (unavailable, not found) and annotates it once with
// what the store was doing. *gatehouse.Error values other than
// unavailability pass through unchanged.
func (s *Store) wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ge *gatehouse.Error
	if errors.As(err, &ge) {
		return err
	}
	msg := fmt.Sprintf(format, args...)
	if s.dialect.unavailable(err) {
		return &gatehouse.Error{Code: gatehouse.EUnavailable, Message: gatehouse.ErrUnavailable.Message, Err: fmt.Errorf("%s: %w", msg, err)}
	}
	return fmt.Errorf("%s: %w", msg, err)
}

// placeholders returns "?, ?, ..." with n markers.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anys converts strings to query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, v := range ss {
		out[i] = v
	}
	return out
}
