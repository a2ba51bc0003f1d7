package webhooks

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// Dialects, as (*sqlstore.Store).Dialect names them.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// driver returns River's driver for db: riversqlite for SQLite (any
// database/sql SQLite driver; ours is modernc's "sqlite"), riverdatabasesql
// for PostgreSQL through pgx's stdlib driver, without a listener (see the
// package comment: River polls).
func driver(db *sql.DB, dialect string) (riverdriver.Driver[*sql.Tx], error) {
	switch dialect {
	case DialectSQLite:
		return riversqlite.New(db), nil
	case DialectPostgres:
		return riverdatabasesql.New(db), nil
	}
	return nil, fmt.Errorf("webhooks: unknown dialect %q (want %q or %q)", dialect, DialectSQLite, DialectPostgres)
}

// riverMigrateLock serializes River's migrations between instances running
// `gatehouse migrate` at once: rivermigrate takes no lock of its own.
const riverMigrateLock = `SELECT pg_advisory_lock(hashtext('gatehouse_river_migrate:' || current_schema()))`
const riverMigrateUnlock = `SELECT pg_advisory_unlock(hashtext('gatehouse_river_migrate:' || current_schema()))`

// Migrate applies River's own migrations (its river_* tables, in the
// current schema) to db. `gatehouse migrate` runs it beside the store's
// migrations; it is idempotent. On PostgreSQL it holds an advisory lock for
// the run (on a connection of its own, so db needs two), on SQLite River's
// migrations run in IMMEDIATE transactions, one writer at a time.
func Migrate(ctx context.Context, db *sql.DB, dialect string) error {
	m, err := migrator(db, dialect)
	if err != nil {
		return err
	}
	if dialect == DialectPostgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("river migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, riverMigrateLock); err != nil {
			return fmt.Errorf("river migrate: take advisory lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), riverMigrateUnlock)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrate: %w", err)
	}
	return nil
}

// Pending reports whether River's migrations are behind on db (serve
// refuses to start on PostgreSQL then, as it does for the store's).
func Pending(ctx context.Context, db *sql.DB, dialect string) (bool, error) {
	m, err := migrator(db, dialect)
	if err != nil {
		return false, err
	}
	have, err := m.ExistingVersions(ctx)
	if err != nil {
		return false, fmt.Errorf("river migration versions: %w", err)
	}
	return len(have) < len(m.AllVersions()), nil
}

func migrator(db *sql.DB, dialect string) (*rivermigrate.Migrator[*sql.Tx], error) {
	drv, err := driver(db, dialect)
	if err != nil {
		return nil, err
	}
	// rivermigrate logs to stdout by default; keep it quiet.
	quiet := slog.New(slog.DiscardHandler)
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: quiet})
	if err != nil {
		return nil, fmt.Errorf("river migrate: %w", err)
	}
	return m, nil
}
