package sqlstore_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// mustOpen opens and migrates dsn and closes it when the test ends.
func mustOpen(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	return mustOpenWith(t, dsn, sqlstore.Options{})
}

func mustOpenWith(t testing.TB, dsn string, opts sqlstore.Options) *sqlstore.Store {
	t.Helper()
	if opts.Sealer == nil {
		opts.Sealer = storetest.Sealer(t)
	}
	s, err := sqlstore.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gatehouse.Store { return mustOpen(t, storetest.SQLiteDSN(t)) })
}

// TestSQLiteWithoutSearch runs the suite with the in-memory customer
// search off: every list through SQL (the path lists with a metadata filter
// and organizations too large for the index take).
func TestSQLiteWithoutSearch(t *testing.T) {
	storetest.Run(t, func(t *testing.T) gatehouse.Store {
		return mustOpenWith(t, storetest.SQLiteDSN(t), sqlstore.Options{SearchIndex: -1})
	})
}

func TestPostgres(t *testing.T) {
	storetest.PostgresDSN(t) // skips (or fails in CI) once, up front
	storetest.Run(t, func(t *testing.T) gatehouse.Store { return mustOpen(t, storetest.PostgresDSN(t)) })
}
