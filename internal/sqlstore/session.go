package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

const sessionColumns = `s.id, s.organization_id, s.customer_id, s.token_hash, s.created_at, s.modified_at,
	s.expires_at, s.return_url, s.metadata, s.revoked_at, s.revoked_reason, s.last_used_at,
	s.last_used_ip, s.last_used_user_agent`

// sessionDest holds the scan targets of sessionColumns.
type sessionDest struct {
	s                            gatehouse.Session
	created, expires             int64
	modified, revoked, used      sql.NullInt64
	returnURL, reason, ip, agent sql.NullString
	metadata                     string
}

func (d *sessionDest) targets() []any {
	return []any{&d.s.ID, &d.s.OrganizationID, &d.s.CustomerID, &d.s.TokenHash, &d.created, &d.modified,
		&d.expires, &d.returnURL, &d.metadata, &d.revoked, &d.reason, &d.used, &d.ip, &d.agent}
}

func (d *sessionDest) session() (*gatehouse.Session, error) {
	s := d.s
	s.CreatedAt, s.ModifiedAt, s.ExpiresAt = fromMicros(d.created), timePtr(d.modified), fromMicros(d.expires)
	s.RevokedAt, s.LastUsedAt = timePtr(d.revoked), timePtr(d.used)
	s.ReturnURL, s.RevokedReason, s.LastUsedIP, s.LastUsedUserAgent = strPtr(d.returnURL), strPtr(d.reason), strPtr(d.ip), strPtr(d.agent)
	var err error
	s.Metadata, err = decodeMetadata(d.metadata)
	return &s, err
}

// insertSession is the INSERT of CreateSession, with ? placeholders.
const insertSession = `INSERT INTO customer_sessions (id, organization_id, customer_id, token_hash,
	created_at, modified_at, expires_at, return_url, metadata, revoked_at, revoked_reason, last_used_at,
	last_used_ip, last_used_user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateSession inserts s (an ID is generated when s.ID is empty). Without
// anyone to report it to (session_events.go) it is one group-committed
// statement; otherwise a transaction that also writes the events.
func (s *Store) CreateSession(ctx context.Context, ss *gatehouse.Session, events ...gatehouse.SessionEvent) error {
	if ss.ID == "" {
		ss.ID = newID()
	}
	ss.CreatedAt, ss.ExpiresAt = norm(ss.CreatedAt), norm(ss.ExpiresAt)
	normPtr(ss.ModifiedAt)
	normPtr(ss.RevokedAt)
	normPtr(ss.LastUsedAt)
	if ss.Metadata == nil {
		ss.Metadata = gatehouse.Metadata{}
	}
	meta, err := encodeMetadata(ss.Metadata)
	if err != nil {
		return err
	}
	args := []any{ss.ID, ss.OrganizationID, ss.CustomerID, ss.TokenHash, micros(ss.CreatedAt), microsPtr(ss.ModifiedAt),
		micros(ss.ExpiresAt), nullStr(ss.ReturnURL), meta, microsPtr(ss.RevokedAt), nullStr(ss.RevokedReason),
		microsPtr(ss.LastUsedAt), nullStr(ss.LastUsedIP), nullStr(ss.LastUsedUserAgent)}
	withEvents, err := s.sessionEventsWanted(ctx, ss.OrganizationID, events)
	if err != nil {
		return s.wrap(err, "create session")
	}
	if withEvents {
		err = s.tx(ctx, func(tx *sql.Tx) error {
			if err := s.lockCustomer(ctx, tx, ss.OrganizationID, ss.CustomerID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(insertSession), args...); err != nil {
				return err
			}
			return s.writeSessionEvents(ctx, tx, ss.OrganizationID, ss.CustomerID, []*gatehouse.Session{ss}, events)
		})
	} else {
		_, err = s.execHot(ctx, insertSession, args...)
	}
	if _, ok := uniqueViolation(err); ok {
		return &gatehouse.Error{Code: gatehouse.EConflict, Message: "This session already exists.", Err: err}
	}
	return s.wrap(err, "create session")
}

// SessionByHash is the token check: one indexed lookup (token_hash is
// unique) of the session whose digest is one of hashes, joined with its live
// customer, through a prepared statement. It returns the session whatever
// its expiry or revocation, and ENotFound when there is none or its
// customer is deleted. On PostgreSQL concurrent calls share one statement
// (readbatch.go); each still reads the database after it was made.
func (s *Store) SessionByHash(ctx context.Context, hashes []string) (*gatehouse.Session, *gatehouse.Customer, error) {
	if len(hashes) == 0 {
		return nil, nil, gatehouse.ErrNotFound
	}
	if s.batch != nil {
		return s.batch.get(ctx, hashes)
	}
	st, err := s.stmt(ctx, `SELECT `+sessionColumns+`, `+customerColumns+`
		FROM customer_sessions s JOIN customers c ON c.id = s.customer_id
		WHERE s.token_hash IN (`+placeholders(len(hashes))+`)
		AND c.organization_id = s.organization_id AND c.deleted_at IS NULL LIMIT 1`)
	if err != nil {
		return nil, nil, s.wrap(err, "check session")
	}
	var sd sessionDest
	var cd customerDest
	if err := st.QueryRowContext(ctx, anys(hashes)...).Scan(append(sd.targets(), cd.targets()...)...); err != nil {
		return nil, nil, s.notFound(err, "check session")
	}
	sess, err := sd.session()
	if err != nil {
		return nil, nil, err
	}
	c, err := cd.customer()
	if err != nil {
		return nil, nil, err
	}
	return sess, c, nil
}

// Session returns one session of the organization, or ENotFound. Sessions
// of a deleted customer are still returned here and by ListSessions (they no
// longer authenticate: SessionByHash hides them); Purge removes them when
// they expire.
func (s *Store) Session(ctx context.Context, orgID, id string) (*gatehouse.Session, error) {
	var d sessionDest
	err := s.r.QueryRowContext(ctx, s.q(`SELECT `+sessionColumns+` FROM customer_sessions s
		WHERE s.organization_id = ? AND s.id = ?`), orgID, id).Scan(d.targets()...)
	if err != nil {
		return nil, s.notFound(err, "find session %s", id)
	}
	return d.session()
}

// ListSessions returns a page of the organization's sessions (newest first)
// and the total count.
func (s *Store) ListSessions(ctx context.Context, orgID string, f gatehouse.SessionFilter) ([]*gatehouse.Session, int, error) {
	where := `s.organization_id = ?`
	args := []any{orgID}
	if f.CustomerID != "" {
		where += ` AND s.customer_id = ?`
		args = append(args, f.CustomerID)
	}
	if f.Active != nil {
		live := `(s.revoked_at IS NULL AND s.expires_at > ?)`
		if *f.Active {
			where += ` AND ` + live
		} else {
			where += ` AND NOT ` + live
		}
		args = append(args, micros(f.Now))
	}
	limit, offset := pageBounds(f.Page)
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT `+sessionColumns+`, count(*) OVER () FROM customer_sessions s
		WHERE `+where+` ORDER BY s.created_at DESC, s.id DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, s.wrap(err, "list sessions")
	}
	defer rows.Close()
	out := []*gatehouse.Session{}
	total := 0
	for rows.Next() {
		var d sessionDest
		if err := rows.Scan(append(d.targets(), &total)...); err != nil {
			return nil, 0, s.wrap(err, "list sessions")
		}
		sess, err := d.session()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.wrap(err, "list sessions")
	}
	if len(out) == 0 && offset > 0 {
		if err := s.r.QueryRowContext(ctx, s.q(`SELECT count(*) FROM customer_sessions s WHERE `+where), args...).Scan(&total); err != nil {
			return nil, 0, s.wrap(err, "count sessions")
		}
	}
	return out, total, nil
}

// revokeSet is the SET and live-session condition of a revocation; its
// arguments are revokeArgs.
const revokeSet = `UPDATE customer_sessions SET revoked_at = ?, revoked_reason = ?, modified_at = ?
	WHERE organization_id = ? AND revoked_at IS NULL AND expires_at > ?`

func revokeArgs(orgID, reason string, now time.Time) []any {
	return []any{micros(now), reason, micros(now), orgID, micros(now)}
}

// sessionReturning is sessionColumns for a RETURNING clause (no alias).
var sessionReturning = strings.ReplaceAll(sessionColumns, "s.", "")

// RevokeSession revokes one live session: ENotFound if it does not exist in
// the organization; an already revoked or expired session is left as it is
// (the first revocation is kept), is not an error, and reports nothing.
// The events of a revocation are built from the row as revoked.
func (s *Store) RevokeSession(ctx context.Context, orgID, id, reason string, now time.Time, events ...gatehouse.SessionEvent) error {
	withEvents, err := s.sessionEventsWanted(ctx, orgID, events)
	if err != nil {
		return s.wrap(err, "revoke session %s", id)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if withEvents {
			return s.revokeSessionEvents(ctx, tx, orgID, id, reason, now, events)
		}
		res, err := tx.ExecContext(ctx, s.q(revokeSet+` AND id = ?`), append(revokeArgs(orgID, reason, now), id)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM customer_sessions WHERE organization_id = ? AND id = ?`), orgID, id).Scan(&one)
		return err
	})
	return s.notFound(err, "revoke session %s", id)
}

// revokeSessionEvents is RevokeSession's transaction when it writes
// events: the customer's lock first (lockCustomer), then the revocation,
// whose RETURNING row is the session as the payload shows it.
func (s *Store) revokeSessionEvents(ctx context.Context, tx *sql.Tx, orgID, id, reason string, now time.Time, events []gatehouse.SessionEvent) error {
	var customerID string
	err := tx.QueryRowContext(ctx, s.q(`SELECT customer_id FROM customer_sessions WHERE organization_id = ? AND id = ?`), orgID, id).Scan(&customerID)
	if err != nil {
		return err
	}
	if err := s.lockCustomer(ctx, tx, orgID, customerID); err != nil {
		return err
	}
	revoked, err := s.revokeReturning(ctx, tx, revokeSet+` AND id = ?`, append(revokeArgs(orgID, reason, now), id))
	if err != nil || len(revoked) == 0 {
		return err
	}
	return s.writeSessionEvents(ctx, tx, orgID, customerID, revoked, events)
}

// revokeReturning runs a revocation and returns the sessions it revoked,
// oldest first.
func (s *Store) revokeReturning(ctx context.Context, tx *sql.Tx, query string, args []any) ([]*gatehouse.Session, error) {
	rows, err := tx.QueryContext(ctx, s.q(query+` RETURNING `+sessionReturning), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*gatehouse.Session
	for rows.Next() {
		var d sessionDest
		if err := rows.Scan(d.targets()...); err != nil {
			return nil, err
		}
		ss, err := d.session()
		if err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *gatehouse.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeCustomerSessions revokes every live session of the customer and
// returns how many it revoked (0 for an unknown customer), with the events
// of each revoked session, oldest first, in the same transaction.
func (s *Store) RevokeCustomerSessions(ctx context.Context, orgID, customerID, reason string, now time.Time, events ...gatehouse.SessionEvent) (int, error) {
	withEvents, err := s.sessionEventsWanted(ctx, orgID, events)
	if err != nil {
		return 0, s.wrap(err, "revoke sessions of customer %s", customerID)
	}
	args := append(revokeArgs(orgID, reason, now), customerID)
	if !withEvents {
		res, err := s.w.ExecContext(ctx, s.q(revokeSet+` AND customer_id = ?`), args...)
		if err != nil {
			return 0, s.wrap(err, "revoke sessions of customer %s", customerID)
		}
		n, err := res.RowsAffected()
		return int(n), s.wrap(err, "revoke sessions of customer %s", customerID)
	}
	n := 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockCustomer(ctx, tx, orgID, customerID); err != nil {
			return err
		}
		revoked, err := s.revokeReturning(ctx, tx, revokeSet+` AND customer_id = ?`, args)
		if err != nil {
			return err
		}
		n = len(revoked)
		return s.writeSessionEvents(ctx, tx, orgID, customerID, revoked, events)
	})
	if err != nil {
		return 0, s.wrap(err, "revoke sessions of customer %s", customerID)
	}
	return n, nil
}

// TouchSession records a use of the session unless one was recorded less
// than a minute before at: a single conditional UPDATE, so at most one
// write per session per minute.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time, ip, userAgent string) error {
	_, err := s.execHot(ctx, `UPDATE customer_sessions SET last_used_at = ?, last_used_ip = ?, last_used_user_agent = ?
		WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
		micros(at), ip, userAgent, id, micros(at.Add(-time.Minute)))
	return s.wrap(err, "touch session %s", id)
}
