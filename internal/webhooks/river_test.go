package webhooks_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// backends names the DSN makers every engine test runs on.
var backends = []struct {
	name string
	dsn  func(testing.TB) string
}{
	{"sqlite", storetest.SQLiteDSN},
	{"postgres", storetest.PostgresDSN},
}

// mustStore opens a migrated store (the store's migrations and River's)
// on dsn.
func mustStore(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	st := mustOpen(t, dsn)
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("store migrate: %v", err)
	}
	if err := webhooks.Migrate(ctx, st.DB(), st.Dialect()); err != nil {
		t.Fatalf("river migrate: %v", err)
	}
	return st
}

func TestMigrate(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st, err := sqlstore.Open(ctx, b.dsn(t), sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			pending, err := webhooks.Pending(ctx, st.DB(), st.Dialect())
			if err != nil || !pending {
				t.Fatalf("Pending on an empty database = %v, %v; want true, nil", pending, err)
			}
			for i := range 2 { // idempotent
				if err := webhooks.Migrate(ctx, st.DB(), st.Dialect()); err != nil {
					t.Fatalf("Migrate #%d: %v", i+1, err)
				}
			}
			pending, err = webhooks.Pending(ctx, st.DB(), st.Dialect())
			if err != nil || pending {
				t.Fatalf("Pending after Migrate = %v, %v; want false, nil", pending, err)
			}
			var n int
			if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&n); err != nil {
				t.Fatalf("river_job after Migrate: %v", err)
			}
		})
	}
}

func TestMigrateUnknownDialect(t *testing.T) {
	if err := webhooks.Migrate(context.Background(), nil, "mysql"); err == nil {
		t.Fatal("Migrate(mysql) = nil, want an error")
	}
}
