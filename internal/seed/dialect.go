package seed

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// dialect holds the few differences between the SQL Seed sends to SQLite
// and to PostgreSQL.
type dialect struct {
	postgres bool
}

func dialectOf(name string) (dialect, error) {
	switch name {
	case DialectSQLite, "sqlite3":
		return dialect{}, nil
	case DialectPostgres, "postgresql", "pgx":
		return dialect{postgres: true}, nil
	}
	return dialect{}, fmt.Errorf("seed: unknown dialect %q (want %q or %q)", name, DialectSQLite, DialectPostgres)
}

// ph returns the placeholder for the i-th (1-based) parameter.
func (d dialect) ph(i int) string {
	if d.postgres {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}

// tune prepares conn for bulk loading and returns a function that undoes it.
// On SQLite a large page cache keeps the token_hash index's random inserts
// in memory; PostgreSQL needs nothing per connection (each transaction
// turns synchronous_commit off for itself).
func (d dialect) tune(ctx context.Context, conn *sql.Conn) (restore func(), err error) {
	if d.postgres {
		return func() {}, nil
	}
	var old int64
	if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&old); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil { // 256 MiB
		return nil, err
	}
	return func() {
		// Best effort: the connection goes back to the pool either way.
		conn.ExecContext(context.Background(), "PRAGMA cache_size = "+strconv.FormatInt(old, 10)) //nolint:errcheck
	}, nil
}

// analyze refreshes the planner's statistics after a bulk load. PostgreSQL
// would otherwise plan the server's prepared statements for the empty
// tables it last measured (autovacuum catches up only a minute or more
// later): a soak right after seeding ran at 32 operations a second instead
// of ~1,000. SQLite's planner is left as the store tuned it.
func (d dialect) analyze(ctx context.Context, conn *sql.Conn) error {
	if !d.postgres {
		return nil
	}
	_, err := conn.ExecContext(ctx, "ANALYZE customers, customer_metadata, customer_sessions")
	return err
}
