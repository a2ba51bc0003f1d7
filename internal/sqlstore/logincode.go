package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse"
)

// CreateLoginCode inserts c (an ID is generated when c.ID is empty), then
// deletes the customer's oldest live codes beyond maxLive, in one
// transaction.
func (s *Store) CreateLoginCode(ctx context.Context, c *gatehouse.LoginCode, maxLive int) error {
	if c.ID == "" {
		c.ID = newID()
	}
	c.CreatedAt, c.ExpiresAt = norm(c.CreatedAt), norm(c.ExpiresAt)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO login_codes (id, organization_id, customer_id, code_hash, email, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`),
			c.ID, c.OrganizationID, c.CustomerID, c.CodeHash, c.Email, micros(c.CreatedAt), micros(c.ExpiresAt))
		if err != nil || maxLive <= 0 {
			return err
		}
		// Keep the newest maxLive live codes (insertion order breaks ties
		// between codes created at the same instant).
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM login_codes WHERE customer_id = ? AND expires_at > ? AND seq NOT IN (
			SELECT seq FROM login_codes WHERE customer_id = ? AND expires_at > ? ORDER BY created_at DESC, seq DESC LIMIT ?)`),
			c.CustomerID, micros(c.CreatedAt), c.CustomerID, micros(c.CreatedAt), maxLive)
		return err
	})
	return s.wrap(err, "create login code")
}

// RedeemLoginCode atomically deletes and returns the unexpired code whose
// digest is one of hashes. The DELETE ... RETURNING removes one row by
// primary key, so of concurrent redemptions exactly one gets the row; the
// others, and unknown or expired codes, get ENotFound.
func (s *Store) RedeemLoginCode(ctx context.Context, hashes []string, now time.Time) (*gatehouse.LoginCode, error) {
	if len(hashes) == 0 {
		return nil, gatehouse.ErrNotFound
	}
	var (
		c                gatehouse.LoginCode
		created, expires int64
	)
	args := append(anys(hashes), micros(now))
	err := s.w.QueryRowContext(ctx, s.q(`DELETE FROM login_codes WHERE seq = (
			SELECT seq FROM login_codes WHERE code_hash IN (`+placeholders(len(hashes))+`) AND expires_at > ?
			ORDER BY created_at DESC, seq DESC LIMIT 1)
		RETURNING id, organization_id, customer_id, code_hash, email, created_at, expires_at`), args...).
		Scan(&c.ID, &c.OrganizationID, &c.CustomerID, &c.CodeHash, &c.Email, &created, &expires)
	if err != nil {
		return nil, s.notFound(err, "redeem login code")
	}
	c.CreatedAt, c.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &c, nil
}
