package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
)

const migrateSynopsis = "gatehouse migrate [--db postgres://...]"

// runMigrate is "gatehouse migrate": apply the embedded, numbered migrations
// (on PostgreSQL under an advisory lock, so instances deploying at once do
// not race) and report the schema version.
func runMigrate(ctx context.Context, e env, args []string) error {
	var db dbFlags
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "migrate", migrateSynopsis)
	db.register(fs, v)
	if err := parseFlags(fs, args, migrateSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	log, err := newLogger(e.stderr, db.logFormat)
	if err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, db.dsn, sqlstore.Options{MaxConns: 2})
	if err != nil {
		return fmt.Errorf("open %s: %w", db.describe(), err)
	}
	defer st.Close()
	before, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", db.describe(), err)
	}
	after, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	log.Info("migrated", "db", db.describe(), "from_version", before, "to_version", after, "latest", latest)
	fmt.Fprintf(e.stdout, "schema version %d (was %d)\n", after, before)
	return nil
}
