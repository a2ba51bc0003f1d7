package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
)

const (
	orgSynopsis       = "gatehouse org create --name NAME --slug SLUG"
	orgCreateSynopsis = `gatehouse org create --name "Acme Inc" --slug acme`
)

// runOrg is "gatehouse org SUBCOMMAND".
func runOrg(ctx context.Context, e env, args []string) error {
	return runOnly(ctx, e, args, "gatehouse org create", orgSynopsis, orgCreateSynopsis, runOrgCreate)
}

// orgCreateCmd is "gatehouse org create": it creates an organization and
// prints it as one JSON object.
type orgCreateCmd struct {
	db         dbFlags
	name, slug string
}

func runOrgCreate(ctx context.Context, e env, args []string) error {
	return new(orgCreateCmd).run(ctx, e, args)
}

func (c *orgCreateCmd) run(ctx context.Context, e env, args []string) error {
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "org create", orgSynopsis)
	c.db.register(fs, v)
	fs.StringVar(&c.name, "name", "", "display name of the organization (required)")
	fs.StringVar(&c.slug, "slug", "", "URL name: lowercase letters, digits and hyphens; appears in portal URLs (required)")
	if err := parseFlags(fs, args, orgCreateSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if c.name == "" || c.slug == "" {
		return usagef(orgCreateSynopsis, "--name and --slug are required")
	}
	if !gatehouse.ValidSlug(c.slug) {
		return usagef(`gatehouse org create --name "`+c.name+`" --slug acme-inc`,
			"--slug %q must be 1-64 lowercase letters, digits or hyphens, starting with a letter or digit", c.slug)
	}
	log, err := c.db.logger(e.stderr)
	if err != nil {
		return err
	}
	st, err := openForCLI(ctx, &c.db, log)
	if err != nil {
		return err
	}
	defer st.Close()
	o := &gatehouse.Organization{ID: gatehouse.NewID(), Name: c.name, Slug: c.slug, CreatedAt: time.Now().UTC()}
	if err := st.CreateOrganization(ctx, o); err != nil {
		if gatehouse.ErrorCodeOf(err) == gatehouse.EConflict {
			return fmt.Errorf("an organization with slug %q already exists", c.slug)
		}
		return fmt.Errorf("create organization: %w", err)
	}
	return printJSON(e, apitype.Organization{ID: o.ID, Name: o.Name, Slug: o.Slug, CreatedAt: apitype.NewTime(o.CreatedAt)})
}

// openForCLI opens the database for a short administrative command: SQLite
// is migrated on open; PostgreSQL must already be migrated.
func openForCLI(ctx context.Context, db *dbFlags, log *slog.Logger) (*sqlstore.Store, error) {
	return openForCLIWith(ctx, db, log, sqlstore.Options{})
}

// openForCLIWith is openForCLI with store options (a Sealer, for a command
// that reads webhook endpoints); the pool is always two connections.
func openForCLIWith(ctx context.Context, db *dbFlags, log *slog.Logger, opts sqlstore.Options) (*sqlstore.Store, error) {
	if db.isSQLite() && db.secret == "" {
		// Create the secret file together with a new database, whatever
		// the first command is, so that the two are backed up together.
		if _, err := db.hasher(log); err != nil {
			return nil, err
		}
	}
	opts.MaxConns = 2
	st, err := db.open(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(ctx, st, false, log); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func printJSON(e env, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
