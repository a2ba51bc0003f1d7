package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations of the dialect, in order.
func (d dialect) migrations() ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)`

// Migrate applies every embedded migration not yet recorded in
// schema_migrations, each in its own transaction. On PostgreSQL the whole
// run holds an advisory lock (scoped to the current schema), so instances
// migrating at once apply each migration exactly once; on SQLite write
// transactions are IMMEDIATE, which serializes them across processes.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := s.dialect.migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.wrap(err, "migrate")
	}
	defer conn.Close()
	if s.dialect == dialectPostgres {
		const lock = `SELECT pg_advisory_lock(hashtext('gatehouse_migrate:' || current_schema()))`
		if _, err := conn.ExecContext(ctx, lock); err != nil {
			return s.wrap(err, "migrate: take advisory lock")
		}
		defer conn.ExecContext(context.WithoutCancel(ctx),
			`SELECT pg_advisory_unlock(hashtext('gatehouse_migrate:' || current_schema()))`)
	}
	if _, err := conn.ExecContext(ctx, createMigrationsTable); err != nil {
		return s.wrap(err, "migrate: create schema_migrations")
	}
	for _, m := range ms {
		if err := s.apply(ctx, conn, m); err != nil {
			return s.wrap(err, "migrate: apply %s", m.name)
		}
	}
	return nil
}

// apply runs m in a transaction unless it is already recorded.
func (s *Store) apply(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration (0 on an empty
// database) and the highest embedded one. current < latest means Migrate
// has work to do.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	ms, err := s.dialect.migrations()
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if s.dialect == dialectPostgres {
		exists = `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := s.r.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, latest, s.wrap(err, "schema version")
	}
	if n == 0 {
		return 0, latest, nil
	}
	var cur sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&cur); err != nil {
		return 0, latest, s.wrap(err, "schema version")
	}
	return int(cur.Int64), latest, nil
}
