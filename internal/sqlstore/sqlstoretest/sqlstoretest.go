// Package sqlstoretest opens migrated sqlstore databases for tests. It is
// test support: only _test.go files import it. It is not part of
// internal/storetest because sqlstore's own (package sqlstore) tests import
// storetest for their databases, and storetest may therefore not import
// sqlstore.
package sqlstoretest

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/storetest"
)

// Open opens the database dsn (a storetest.SQLiteDSN or
// storetest.PostgresDSN, say) with opts, applies every migration, and closes
// the store when the test ends. It fails the test when either step fails.
// Without opts.Sealer it uses storetest.Sealer, so webhook endpoints work.
func Open(t testing.TB, dsn string, opts sqlstore.Options) *sqlstore.Store {
	t.Helper()
	if opts.Sealer == nil {
		opts.Sealer = storetest.Sealer(t)
	}
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", dsn, err)
	}
	return s
}
