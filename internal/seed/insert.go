package seed

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

// Rows per INSERT statement and per transaction. 1,000 rows of at most 15
// parameters stay far below SQLite's 32,766 and PostgreSQL's 65,535
// parameter limits; 50,000 rows per transaction keeps SQLite's WAL small
// while paying for one commit per 50,000 rows.
const (
	rowsPerStmt = 1000
	rowsPerTx   = 50000
)

// Row templates: '?' marks a parameter; constants are inlined. Columns not
// named take the migrations' defaults (NULL, or '{}' for metadata).
const (
	customerHead = "INSERT INTO customers (id, organization_id, created_at, external_id, external_id_lower, " +
		"email, email_lower, name, name_lower, billing_name, billing_name_lower, billing_address, " +
		"tax_id_number, tax_id_format, locale, metadata, email_verified, type) VALUES "
	customerRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', FALSE, 'individual')"
	sessionHead = "INSERT INTO customer_sessions (id, organization_id, customer_id, token_hash, created_at, expires_at, metadata) VALUES "
	sessionRow  = "(?, ?, ?, ?, ?, ?, '{}')"
)

// seedCustomers inserts opts.Customers customers numbered after the
// organization's existing ones and returns their IDs and the first number.
func seedCustomers(ctx context.Context, conn *sql.Conn, d dialect, opts Options) ([]string, int, error) {
	if opts.Customers == 0 {
		return nil, 0, nil
	}
	var first int
	q := "SELECT COUNT(*) FROM customers WHERE organization_id = " + d.ph(1)
	if err := conn.QueryRowContext(ctx, q, opts.OrgID).Scan(&first); err != nil {
		return nil, 0, fmt.Errorf("seed: count customers: %w", err)
	}
	ids := make([]string, opts.Customers)
	g := newIDGen()
	n := opts.Customers
	err := inBatches(ctx, conn, d, customerHead, customerRow, n, opts.Progress, "customers", func(k int, add func(...any)) {
		num := first + k
		id := g.next()
		ids[k] = id
		// Oldest first, a millisecond apart, the newest at opts.Now.
		created := opts.Now.Add(-time.Duration(n-1-k) * time.Millisecond).UnixMicro()
		ext, email, name := ExternalID(num), Email(num), Name(num)
		b := billingFor(num)
		add(id, opts.OrgID, created, ext, strings.ToLower(ext), email, strings.ToLower(email), name, strings.ToLower(name),
			name, strings.ToLower(name), b.address, b.taxNumber, b.taxFormat, b.locale)
	})
	if err != nil {
		return nil, 0, err
	}
	return ids, first, nil
}

// seedSessions inserts opts.Sessions sessions spread round-robin over
// customerIDs and writes the first opts.TokensToWrite raw tokens to out.
func seedSessions(ctx context.Context, conn *sql.Conn, d dialect, opts Options, customerIDs []string, out *bufio.Writer) error {
	g := newIDGen()
	n := opts.Sessions
	var werr error
	err := inBatches(ctx, conn, d, sessionHead, sessionRow, n, opts.Progress, "sessions", func(k int, add func(...any)) {
		tok := token.New(token.PrefixSession)
		if k < opts.TokensToWrite && werr == nil {
			_, werr = out.WriteString(tok + "\n")
		}
		created := opts.Now.Add(-time.Duration(n-1-k) * time.Microsecond)
		add(g.next(), opts.OrgID, customerIDs[k%len(customerIDs)], opts.Hasher.Hash(tok),
			created.UnixMicro(), created.Add(opts.SessionTTL).UnixMicro())
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("seed: write tokens: %w", werr)
	}
	return nil
}

// inBatches inserts n rows made by row(k, add) with multi-row INSERTs of
// rowsPerStmt rows through one prepared statement, committing every
// rowsPerTx rows.
func inBatches(ctx context.Context, conn *sql.Conn, d dialect, head, row string, n int, progress io.Writer, what string, mk func(k int, add func(...any))) error {
	per := strings.Count(row, "?")
	full := head + rowsSQL(d, row, rowsPerStmt)
	args := make([]any, 0, per*rowsPerStmt)
	add := func(v ...any) { args = append(args, v...) }
	began := time.Now()
	for start := 0; start < n; start += rowsPerTx {
		end := min(start+rowsPerTx, n)
		if err := inTx(ctx, conn, d, func(tx *sql.Tx) error {
			var stmt *sql.Stmt
			for k := start; k < end; k++ {
				mk(k, add)
				rows := len(args) / per
				if rows < rowsPerStmt && k < end-1 {
					continue
				}
				var err error
				if rows == rowsPerStmt {
					if stmt == nil {
						if stmt, err = tx.PrepareContext(ctx, full); err != nil {
							return err
						}
						defer stmt.Close()
					}
					_, err = stmt.ExecContext(ctx, args...)
				} else {
					_, err = tx.ExecContext(ctx, head+rowsSQL(d, row, rows), args...)
				}
				if err != nil {
					return err
				}
				args = args[:0]
			}
			return nil
		}); err != nil {
			return fmt.Errorf("seed: insert %s %d-%d: %w", what, start, end, err)
		}
		if progress != nil {
			fmt.Fprintf(progress, "seed: %s %d/%d (%.1fs)\n", what, end, n, time.Since(began).Seconds())
		}
	}
	return nil
}

// inTx runs fn in a transaction on conn and commits it.
func inTx(ctx context.Context, conn *sql.Conn, d dialect, fn func(*sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if d.postgres {
		// Bulk data for benchmarks: the commit need not wait for the WAL flush.
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// rowsSQL repeats the row template n times, numbering parameters for
// PostgreSQL.
func rowsSQL(d dialect, row string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(row) + 16))
	p := 0
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if !d.postgres {
			b.WriteString(row)
			continue
		}
		for j := 0; j < len(row); j++ {
			if row[j] != '?' {
				b.WriteByte(row[j])
				continue
			}
			p++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
		}
	}
	return b.String()
}

// idGen makes random UUID v4 strings from a buffered CSPRNG stream (one
// read of crypto/rand per 1,000 IDs instead of one each).
type idGen struct {
	r   *bufio.Reader
	buf [16]byte
}

func newIDGen() *idGen { return &idGen{r: bufio.NewReaderSize(rand.Reader, 16<<10)} }

func (g *idGen) next() string {
	if _, err := io.ReadFull(g.r, g.buf[:]); err != nil {
		panic("seed: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return gatehouse.UUIDv4(g.buf)
}
