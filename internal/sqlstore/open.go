package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLite settings. See the package comment for the durability they give.
const (
	sqliteBusyTimeout = 10 * time.Second
	sqliteSynchronous = "NORMAL"
	sqliteReadConns   = 4
	// sqliteReaderCacheKiB is each reader's page cache unless the DSN sets
	// one (_pragma=cache_size(...)); the writer keeps SQLite's default
	// (2,000 KiB): its inserts land on random index pages and fill it
	// within seconds. The readers sit behind the session cache and the
	// customer search and see few reads: with the default each filled its
	// cache over many minutes, and resident memory crept up as long (the
	// 5-minute soak: +12% between minute 1 and minute 5, all of it SQLite's
	// page caches). At 512 KiB they are full in the first seconds.
	sqliteReaderCacheKiB = 512
)

// PostgreSQL defaults.
const (
	pgMaxConns         = 20
	pgStatementTimeout = 5 * time.Second
	pgConnectTimeout   = 5 * time.Second
)

// openSQLite opens rest (the DSN after "sqlite:": "path", "//" + "/abs/path",
// optionally "?key=value&..."). Query keys are passed to the driver and to
// SQLite's URI parser; keys the caller gives win over the defaults here.
func openSQLite(ctx context.Context, rest string, opts Options) (*Store, error) {
	rest = strings.TrimPrefix(rest, "//")
	path, rawQuery, _ := strings.Cut(rest, "?")
	if path == "" || path == ":memory:" {
		return nil, errors.New("open sqlite: a file path is required (sqlite:path/to/file.db)")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: bad query in DSN: %w", err)
	}
	setDefault := func(q url.Values, k, v string) {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	setDefault(q, "_busy_timeout", strconv.Itoa(int(sqliteBusyTimeout/time.Millisecond)))
	setDefault(q, "_journal_mode", "WAL")
	setDefault(q, "_synchronous", sqliteSynchronous)
	setDefault(q, "_foreign_keys", "1")
	// file: URIs decode %XX, so escape the characters that would end or
	// alter the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)

	wq := cloneValues(q)
	setDefault(wq, "_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+esc+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Connect the writer first: it creates the file and switches it to WAL
	// before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, dialectSQLite.wrapOpen(err)
	}

	rq := cloneValues(q)
	setDefault(rq, "_query_only", "1")
	if !setsPragma(rq, "cache_size") {
		rq.Add("_pragma", fmt.Sprintf("cache_size(-%d)", sqliteReaderCacheKiB))
	}
	delete(rq, "_journal_mode") // a read-only connection cannot change it
	r, err := sql.Open("sqlite", "file:"+esc+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	n := opts.MaxConns
	if n <= 0 {
		n = sqliteReadConns
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, dialectSQLite.wrapOpen(err)
	}
	s := newStore(dialectSQLite, w, r)
	s.sealer = opts.Sealer
	if opts.SearchIndex >= 0 {
		s.search = newCustomerSearch(opts.SearchIndex)
	}
	return s, nil
}

// setsPragma reports whether q sets the pragma name (_pragma=name(...)).
func setsPragma(q url.Values, name string) bool {
	for _, p := range q["_pragma"] {
		if n, _, _ := strings.Cut(p, "("); strings.EqualFold(strings.TrimSpace(n), name) {
			return true
		}
	}
	return false
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// openPostgres opens a pgx pool. Parameters of the DSN (sslmode,
// search_path, ...) pass through to pgx; statement_timeout is set as a
// connection runtime parameter unless the DSN sets it.
func openPostgres(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The error text may echo the password: do not include it.
		return nil, errors.New("open postgres: malformed database URL")
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = pgConnectTimeout
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		st := opts.StatementTimeout
		if st <= 0 {
			st = pgStatementTimeout
		}
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(st.Milliseconds(), 10)
	}
	if _, ok := cfg.RuntimeParams["timezone"]; !ok {
		cfg.RuntimeParams["timezone"] = "UTC"
	}
	db := stdlib.OpenDB(*cfg)
	n := opts.MaxConns
	if n <= 0 {
		n = pgMaxConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, dialectPostgres.wrapOpen(err)
	}
	s := newStore(dialectPostgres, db, db)
	s.sealer = opts.Sealer
	st := opts.StatementTimeout
	if st <= 0 {
		st = pgStatementTimeout
	}
	s.batch = newSessionBatcher(s, opts.ReadBatches, st)
	return s, nil
}

// wrapOpen classifies a connection error met while opening.
func (d dialect) wrapOpen(err error) error {
	s := &Store{dialect: d}
	return s.wrap(err, "open %s", d)
}
