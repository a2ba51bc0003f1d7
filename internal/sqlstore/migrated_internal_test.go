package sqlstore

import (
	"context"
	"testing"
)

// openMigrated is sqlstoretest.Open for this package's own tests, which
// cannot import it (it imports this package): it opens dsn with opts,
// applies every migration and closes the store when the test ends.
func openMigrated(t testing.TB, dsn string, opts Options) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", dsn, err)
	}
	return s
}
