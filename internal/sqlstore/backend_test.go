package sqlstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

var ctx = context.Background()

// pools opens n stores (n pools) on one migrated database.
func pools(t *testing.T, dsn string, n int) []gatehouse.Store {
	t.Helper()
	out := []gatehouse.Store{sqlstoretest.Open(t, dsn, sqlstore.Options{})}
	for len(out) < n {
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{MaxConns: 4})
		if err != nil {
			t.Fatalf("open pool %d: %v", len(out), err)
		}
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return out
}

// backends runs fn on a fresh SQLite file and a fresh PostgreSQL schema.
func backends(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, storetest.SQLiteDSN(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, storetest.PostgresDSN(t)) })
}

// TestSeveralPools is the multi-instance case: several pools (on SQLite
// several connections to one file, as the CLI next to a server) share one
// database and still see one truth.
func TestSeveralPools(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		ss := pools(t, dsn, 3)
		t.Run("creates", func(t *testing.T) { storetest.ConcurrentCreates(t, ss) })
		t.Run("redeem", func(t *testing.T) { storetest.ConcurrentRedeem(t, ss) })
		t.Run("ratelimit", func(t *testing.T) { storetest.ConcurrentRateLimit(t, ss) })
		t.Run("lists", func(t *testing.T) { storetest.ListsSeeOtherPools(t, ss) })
		t.Run("lists-and-writes", func(t *testing.T) { storetest.ConcurrentListsAndWrites(t, ss) })
	})
}

// TestConcurrentMigrate migrates one fresh database from several pools at
// once: every run succeeds and each migration is applied once.
func TestConcurrentMigrate(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		const n = 6
		stores := make([]*sqlstore.Store, n)
		for i := range stores {
			s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
			if err != nil {
				t.Fatalf("open %d: %v", i, err)
			}
			t.Cleanup(func() { s.Close() })
			stores[i] = s
		}
		cur, latest, err := stores[0].SchemaVersion(ctx)
		if err != nil || cur != 0 || latest < 1 {
			t.Fatalf("schema version of a fresh database: got %d, %d, %v; want 0, >=1, nil", cur, latest, err)
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, s := range stores {
			wg.Go(func() { errs[i] = s.Migrate(ctx) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("migrate %d: %v", i, err)
			}
		}
		var rows, distinct int
		err = stores[0].DB().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct)
		if err != nil || rows != latest || distinct != latest {
			t.Fatalf("schema_migrations: got %d rows (%d distinct), err %v; want %d", rows, distinct, err, latest)
		}
		cur, _, err = stores[n-1].SchemaVersion(ctx)
		if err != nil || cur != latest {
			t.Fatalf("schema version after migrate: got %d, %v; want %d", cur, err, latest)
		}
		if err := stores[0].Migrate(ctx); err != nil {
			t.Fatalf("migrate again: %v", err)
		}
	})
}

func TestDialect(t *testing.T) {
	backends(t, func(t *testing.T, dsn string) {
		s := sqlstoretest.Open(t, dsn, sqlstore.Options{})
		want := "sqlite"
		if dsn[:8] == "postgres" {
			want = "postgres"
		}
		if s.Dialect() != want {
			t.Fatalf("Dialect(): got %q, want %q", s.Dialect(), want)
		}
	})
}

func TestOpenSQLiteDSNForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	abs := filepath.Join(dir, "abs.db")
	for _, tc := range []struct{ dsn, file, sync string }{
		{"sqlite:rel.db", filepath.Join(dir, "rel.db"), "1"},
		{"sqlite://" + abs, abs, "1"},
		{"sqlite:q.db?_synchronous=FULL", filepath.Join(dir, "q.db"), "2"},
	} {
		s := sqlstoretest.Open(t, tc.dsn, sqlstore.Options{})
		var file, seqno, name string
		if err := s.DB().QueryRowContext(ctx, `PRAGMA database_list`).Scan(&seqno, &name, &file); err != nil {
			t.Fatalf("%s: database_list: %v", tc.dsn, err)
		}
		if file != tc.file {
			t.Fatalf("%s: opened %q, want %q", tc.dsn, file, tc.file)
		}
		pragmas := map[string]string{"journal_mode": "wal", "synchronous": tc.sync, "foreign_keys": "1", "busy_timeout": "10000"}
		for p, want := range pragmas {
			var got string
			if err := s.DB().QueryRowContext(ctx, `PRAGMA `+p).Scan(&got); err != nil || got != want {
				t.Fatalf("%s: PRAGMA %s: got %q, %v; want %q", tc.dsn, p, got, err, want)
			}
		}
	}
	for _, bad := range []string{"sqlite:", "mysql://x", "sqlite::memory:"} {
		if s, err := sqlstore.Open(ctx, bad, sqlstore.Options{}); err == nil {
			s.Close()
			t.Fatalf("Open(%q): got nil error, want one", bad)
		}
	}
}

func TestPostgresOptions(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	s, err := sqlstore.Open(ctx, dsn+"&application_name=gh_test", sqlstore.Options{MaxConns: 3, StatementTimeout: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var st, app string
	if err := s.DB().QueryRowContext(ctx, `SELECT current_setting('statement_timeout'), current_setting('application_name')`).Scan(&st, &app); err != nil {
		t.Fatal(err)
	}
	if st != "250ms" || app != "gh_test" {
		t.Fatalf("settings: got statement_timeout %q, application_name %q; want 250ms, gh_test", st, app)
	}
	if got := s.DB().Stats().MaxOpenConnections; got != 3 {
		t.Fatalf("pool size: got %d, want 3", got)
	}
	// A statement over the timeout is an EUnavailable error (503), not a 500.
	_, err = s.DB().ExecContext(ctx, `SELECT pg_sleep(2)`)
	if err == nil {
		t.Fatal("pg_sleep(2) under a 250ms statement_timeout: got nil error")
	}
}

// TestUnavailable checks that a database that does not answer gives
// EUnavailable errors.
func TestUnavailable(t *testing.T) {
	_, err := sqlstore.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2", sqlstore.Options{})
	if gatehouse.ErrorCodeOf(err) != gatehouse.EUnavailable {
		t.Fatalf("open a refused port: got %v (%s), want EUnavailable", err, gatehouse.ErrorCodeOf(err))
	}
	t.Run("postgres terminated backends", func(t *testing.T) {
		s := sqlstoretest.Open(t, storetest.PostgresDSN(t), sqlstore.Options{})
		admin := sqlstoretest.Open(t, storetest.PostgresDSN(t), sqlstore.Options{})
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		var app string
		s.DB().QueryRowContext(ctx, `SELECT pg_backend_pid()::text`).Scan(&app)
		if _, err := admin.DB().ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid::text = $1`, app); err != nil {
			t.Fatal(err)
		}
		// database/sql retries a dead idle connection; whatever surfaces
		// must be nil or EUnavailable.
		for range 3 {
			_, err := s.Organization(ctx, "x")
			if c := gatehouse.ErrorCodeOf(err); c != gatehouse.ENotFound && c != gatehouse.EUnavailable {
				t.Fatalf("after pg_terminate_backend: got %v (%s), want ENotFound or EUnavailable", err, c)
			}
		}
	})
}
