// Package seed bulk-loads customers and customer sessions straight into a
// Gatehouse database, bypassing the HTTP API, so that benchmarks can run
// against realistic volumes (100,000 customers, 1,000,000 sessions) within
// a minute or two of setup.
//
// It writes the schema that internal/sqlstore creates (the migrations are
// the truth) with multi-row INSERTs through prepared statements, in large
// transactions, on SQLite and PostgreSQL alike. The generated data is
// deterministic apart from IDs, tokens and times: customer number i has the
// email, name and external ID returned by Email, Name and ExternalID, which
// load scripts rely on.
package seed

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse/gatehouse/internal/token"
)

// DefaultSessionTTL is the session lifetime used when Options.SessionTTL is
// zero: long enough that no seeded session expires during a benchmark.
const DefaultSessionTTL = 7 * 24 * time.Hour

// Options says what to seed.
type Options struct {
	// OrgID is the organization that owns everything seeded. It must exist.
	OrgID string
	// Customers is how many customers to create. Numbering continues after
	// the organization's existing customers, so seeding twice adds more
	// rather than colliding on emails or external IDs.
	Customers int
	// Sessions is how many customer sessions to create, spread round-robin
	// over the customers created by this call (or, when Customers is 0,
	// over the organization's existing live customers).
	Sessions int
	// Hasher digests the raw session tokens; it must use the server's secret.
	Hasher *token.Hasher
	// SessionTTL is the lifetime of the seeded sessions (DefaultSessionTTL
	// when zero).
	SessionTTL time.Duration
	// Now is the creation time of the seeded rows (time.Now when zero).
	Now time.Time
	// TokensOut receives the raw tokens of the first TokensToWrite sessions,
	// one per line. The first min(Customers, TokensToWrite) belong to
	// distinct customers. May be nil when TokensToWrite is 0.
	TokensOut     io.Writer
	TokensToWrite int
	// Progress, when set, receives a line per committed batch.
	Progress io.Writer
}

// Dialects accepted by Seed, as returned by sqlstore's (*Store).Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Stats reports what Seed wrote.
type Stats struct {
	Customers, Sessions int
	// FirstCustomer is the number (for Email, Name, ExternalID) of the
	// first customer created.
	FirstCustomer int
	CustomersTime time.Duration
	SessionsTime  time.Duration
}

// Seed inserts opts.Customers customers and opts.Sessions sessions for
// opts.OrgID into db, a database already migrated by sqlstore, and writes
// the first opts.TokensToWrite raw tokens to opts.TokensOut.
func Seed(ctx context.Context, db *sql.DB, dialect string, opts Options) error {
	_, err := Run(ctx, db, dialect, opts)
	return err
}

// Run is Seed returning statistics about what it wrote.
func Run(ctx context.Context, db *sql.DB, dialect string, opts Options) (st Stats, err error) {
	d, err := dialectOf(dialect)
	if err != nil {
		return st, err
	}
	if err := opts.check(); err != nil {
		return st, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC().Truncate(time.Microsecond)
	if opts.SessionTTL == 0 {
		opts.SessionTTL = DefaultSessionTTL
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		return st, fmt.Errorf("seed: connect: %w", err)
	}
	defer conn.Close()
	restore, err := d.tune(ctx, conn)
	if err != nil {
		return st, fmt.Errorf("seed: tune connection: %w", err)
	}
	defer restore()

	var exists int
	q := "SELECT COUNT(*) FROM organizations WHERE id = " + d.ph(1)
	if err := conn.QueryRowContext(ctx, q, opts.OrgID).Scan(&exists); err != nil {
		return st, fmt.Errorf("seed: find organization: %w", err)
	}
	if exists == 0 {
		return st, fmt.Errorf("seed: organization %q does not exist", opts.OrgID)
	}

	start := time.Now()
	ids, first, err := seedCustomers(ctx, conn, d, opts)
	if err != nil {
		return st, err
	}
	st.Customers, st.FirstCustomer, st.CustomersTime = opts.Customers, first, time.Since(start)
	defer func() {
		if err == nil {
			if err = d.analyze(ctx, conn); err != nil {
				err = fmt.Errorf("seed: analyze: %w", err)
			}
		}
	}()
	if opts.Sessions == 0 {
		return st, nil
	}
	if len(ids) == 0 {
		if ids, err = liveCustomerIDs(ctx, conn, d, opts.OrgID); err != nil {
			return st, err
		}
		if len(ids) == 0 {
			return st, errors.New("seed: sessions need customers, and the organization has none")
		}
	}

	start = time.Now()
	var tokens *bufio.Writer
	if opts.TokensOut != nil {
		tokens = bufio.NewWriterSize(opts.TokensOut, 64<<10)
	}
	if err := seedSessions(ctx, conn, d, opts, ids, tokens); err != nil {
		return st, err
	}
	if tokens != nil {
		if err := tokens.Flush(); err != nil {
			return st, fmt.Errorf("seed: write tokens: %w", err)
		}
	}
	st.Sessions, st.SessionsTime = opts.Sessions, time.Since(start)
	return st, nil
}

func (o Options) check() error {
	switch {
	case o.OrgID == "":
		return errors.New("seed: an organization ID is required")
	case o.Customers < 0 || o.Sessions < 0 || o.TokensToWrite < 0:
		return errors.New("seed: counts must not be negative")
	case o.Sessions > 0 && o.Hasher == nil:
		return errors.New("seed: a hasher is required to seed sessions")
	case o.TokensToWrite > 0 && o.TokensOut == nil:
		return errors.New("seed: TokensToWrite needs TokensOut")
	}
	return nil
}

// liveCustomerIDs returns the IDs of the organization's live customers.
func liveCustomerIDs(ctx context.Context, conn *sql.Conn, d dialect, orgID string) ([]string, error) {
	q := "SELECT id FROM customers WHERE organization_id = " + d.ph(1) + " AND deleted_at IS NULL ORDER BY created_at"
	rows, err := conn.QueryContext(ctx, q, orgID)
	if err != nil {
		return nil, fmt.Errorf("seed: list customers: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("seed: list customers: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("seed: list customers: %w", err)
	}
	return ids, nil
}
