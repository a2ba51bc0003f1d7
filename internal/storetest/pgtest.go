package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresAddr is where tests look for PostgreSQL (trust auth, database test).
const PostgresAddr = "127.0.0.1:5432"

// SQLiteDSN returns the DSN of a fresh SQLite file in t.TempDir().
func SQLiteDSN(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")
}

// PostgresDSN creates a fresh schema in database "test" on 127.0.0.1:5432
// (as user postgres, else root), drops it when the test ends, and returns a
// DSN whose search_path selects it. When PostgreSQL does not answer, the
// test is skipped, or fails when env CI is "true" or
// GATEHOUSE_REQUIRE_POSTGRES is "1".
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base, db, err := connectAdmin()
	if err != nil {
		if os.Getenv("CI") == "true" || os.Getenv("GATEHOUSE_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (CI or GATEHOUSE_REQUIRE_POSTGRES=1) but not reachable at %s: %v; start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", PostgresAddr, err)
		}
		t.Skip("PostgreSQL not reachable at " + PostgresAddr + ": skipping PostgreSQL")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := base.Query()
	q.Set("search_path", schema)
	base.RawQuery = q.Encode()
	return base.String()
}

// connectAdmin connects to the test database as the first user that works.
func connectAdmin() (*url.URL, *sql.DB, error) {
	var firstErr error
	for _, user := range []string{"postgres", "root"} {
		u := &url.URL{Scheme: "postgres", User: url.User(user), Host: PostgresAddr, Path: "/test",
			RawQuery: "sslmode=disable&connect_timeout=3"}
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			return nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			db.SetMaxOpenConns(2)
			return u, db, nil
		}
		db.Close()
		if firstErr == nil {
			firstErr = fmt.Errorf("as %s: %w", user, err)
		}
	}
	return nil, nil, firstErr
}
