package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/seed"
)

const (
	devSynopsis     = "gatehouse dev seed --org SLUG --customers N --sessions M [--tokens K --tokens-out FILE]"
	devSeedSynopsis = "gatehouse dev seed --org acme --customers 100000 --sessions 1000000 --tokens 10000 --tokens-out tokens.txt"
)

// runDev is "gatehouse dev SUBCOMMAND": tools for development and
// benchmarks, not for production databases.
func runDev(ctx context.Context, e env, args []string) error {
	return runOnly(ctx, e, args, "gatehouse dev seed", devSynopsis, devSeedSynopsis, new(devSeedCmd).run)
}

// devSeedCmd is "gatehouse dev seed": it bulk-inserts customers and
// sessions for an organization straight into the database (no HTTP, large
// transactions) and writes raw session tokens to a file for load scripts.
type devSeedCmd struct {
	db         dbFlags
	slug       string
	customers  int
	sessions   int
	tokens     int
	tokensOut  string
	sessionTTL time.Duration
}

// seedSummary is what dev seed prints on stdout.
type seedSummary struct {
	OrganizationID  string  `json:"organization_id"`
	Customers       int     `json:"customers"`
	Sessions        int     `json:"sessions"`
	FirstCustomer   int     `json:"first_customer"`
	TokensWritten   int     `json:"tokens_written"`
	CustomerSeconds float64 `json:"customers_seconds"`
	SessionSeconds  float64 `json:"sessions_seconds"`
}

func (c *devSeedCmd) run(ctx context.Context, e env, args []string) error {
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "dev seed", devSynopsis)
	c.db.register(fs, v)
	fs.StringVar(&c.slug, "org", "", "slug of the organization to fill (required; create it with gatehouse org create)")
	fs.IntVar(&c.customers, "customers", 0, "customers to create; numbering continues after existing ones")
	fs.IntVar(&c.sessions, "sessions", 0, "customer sessions to create, round-robin over the new customers (or the existing ones with --customers 0)")
	fs.IntVar(&c.tokens, "tokens", 0, "raw session tokens to write to --tokens-out; 0 with --tokens-out: all of them")
	fs.StringVar(&c.tokensOut, "tokens-out", "", "`FILE` receiving the raw session tokens, one a line (created mode 0600, truncated)")
	fs.DurationVar(&c.sessionTTL, "session-ttl", seed.DefaultSessionTTL, "lifetime of the seeded sessions")
	if err := parseFlags(fs, args, devSeedSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	log, err := c.db.logger(e.stderr)
	if err != nil {
		return err
	}
	hasher, err := c.db.hasher(log)
	if err != nil {
		return err
	}
	st, err := openForCLI(ctx, &c.db, log)
	if err != nil {
		return err
	}
	defer st.Close()
	org, err := st.OrganizationBySlug(ctx, c.slug)
	if err != nil {
		if errors.Is(err, gatehouse.ErrNotFound) {
			return fmt.Errorf("no organization with slug %q (create it with: gatehouse org create --name NAME --slug %s)", c.slug, c.slug)
		}
		return fmt.Errorf("find organization: %w", err)
	}
	opts := seed.Options{OrgID: org.ID, Customers: c.customers, Sessions: c.sessions, Hasher: hasher,
		SessionTTL: c.sessionTTL, Progress: e.stderr}
	var out *os.File
	if c.tokensOut != "" {
		if out, err = os.OpenFile(c.tokensOut, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return fmt.Errorf("--tokens-out: %w", err)
		}
		defer out.Close()
		opts.TokensOut, opts.TokensToWrite = out, c.tokens
		if c.tokens == 0 {
			opts.TokensToWrite = c.sessions
		}
	}
	stats, err := seed.Run(ctx, st.DB(), st.Dialect(), opts)
	if err != nil {
		return err
	}
	if out != nil {
		if err := out.Close(); err != nil {
			return fmt.Errorf("--tokens-out: %w", err)
		}
	}
	return printJSON(e, seedSummary{
		OrganizationID:  org.ID,
		Customers:       stats.Customers,
		Sessions:        stats.Sessions,
		FirstCustomer:   stats.FirstCustomer,
		TokensWritten:   opts.TokensToWrite,
		CustomerSeconds: stats.CustomersTime.Seconds(),
		SessionSeconds:  stats.SessionsTime.Seconds(),
	})
}

func (c *devSeedCmd) validate() error {
	switch {
	case c.slug == "":
		return usagef(devSeedSynopsis, "--org is required")
	case c.customers < 0 || c.sessions < 0 || c.tokens < 0:
		return usagef(devSeedSynopsis, "--customers, --sessions and --tokens must not be negative")
	case c.customers == 0 && c.sessions == 0:
		return usagef(devSeedSynopsis, "nothing to seed: give --customers and/or --sessions")
	case c.tokens > c.sessions:
		return usagef(fmt.Sprintf("--sessions %d --tokens %d", c.tokens, c.tokens), "--tokens %d exceeds --sessions %d", c.tokens, c.sessions)
	case c.tokens > 0 && c.tokensOut == "":
		return usagef(devSeedSynopsis, "--tokens needs --tokens-out FILE")
	case c.sessionTTL <= 0:
		return usagef("--session-ttl 168h", "--session-ttl must be positive, got %s", c.sessionTTL)
	}
	return nil
}
