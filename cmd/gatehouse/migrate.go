package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

const migrateSynopsis = "gatehouse migrate [--db postgres://...]"

// migrateCmd is "gatehouse migrate": it applies the embedded, numbered migrations
// (on PostgreSQL under an advisory lock, so instances deploying at once do
// not race), then River's (the webhook job queue's tables), and reports the
// schema version.
type migrateCmd struct {
	db dbFlags
}

func runMigrate(ctx context.Context, e env, args []string) error {
	return new(migrateCmd).run(ctx, e, args)
}

func (c *migrateCmd) run(ctx context.Context, e env, args []string) error {
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "migrate", migrateSynopsis)
	c.db.register(fs, v)
	if err := parseFlags(fs, args, migrateSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	log, err := c.db.logger(e.stderr)
	if err != nil {
		return err
	}
	st, err := sqlstore.Open(ctx, c.db.dsn, sqlstore.Options{MaxConns: 2})
	if err != nil {
		return fmt.Errorf("open %s: %w", c.db.describe(), err)
	}
	defer st.Close()
	before, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", c.db.describe(), err)
	}
	if err := webhooks.Migrate(ctx, st.DB(), st.Dialect()); err != nil {
		return fmt.Errorf("migrate %s: %w", c.db.describe(), err)
	}
	after, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	log.Info("migrated", "db", c.db.describe(), "from_version", before, "to_version", after, "latest", latest)
	fmt.Fprintf(e.stdout, "schema version %d (was %d)\n", after, before)
	return nil
}
