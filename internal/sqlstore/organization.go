package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// newID returns a random (version 4) UUID, used when a caller inserts a
// value without an ID.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// CreateOrganization inserts o (an ID is generated when o.ID is empty). A
// taken slug is EConflict.
func (s *Store) CreateOrganization(ctx context.Context, o *gatehouse.Organization) error {
	if o.ID == "" {
		o.ID = newID()
	}
	o.CreatedAt = norm(o.CreatedAt)
	normPtr(o.ModifiedAt)
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO organizations (id, name, slug, avatar_url, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?)`),
		o.ID, o.Name, o.Slug, nullStr(o.AvatarURL), micros(o.CreatedAt), microsPtr(o.ModifiedAt))
	if _, ok := uniqueViolation(err); ok {
		return &gatehouse.Error{Code: gatehouse.EConflict, Message: "An organization with this slug already exists.", Err: err}
	}
	return s.wrap(err, "create organization")
}

const orgColumns = `id, name, slug, avatar_url, created_at, modified_at`

// org reads the organization whose column col equals v, through a
// prepared statement.
func (s *Store) org(ctx context.Context, col, v string) (*gatehouse.Organization, error) {
	st, err := s.stmt(ctx, `SELECT `+orgColumns+` FROM organizations WHERE `+col+` = ?`)
	if err != nil {
		return nil, err
	}
	return scanOrg(st.QueryRowContext(ctx, v))
}

func scanOrg(row *sql.Row) (*gatehouse.Organization, error) {
	var (
		o        gatehouse.Organization
		avatar   sql.NullString
		created  int64
		modified sql.NullInt64
	)
	if err := row.Scan(&o.ID, &o.Name, &o.Slug, &avatar, &created, &modified); err != nil {
		return nil, err
	}
	o.AvatarURL, o.CreatedAt, o.ModifiedAt = strPtr(avatar), fromMicros(created), timePtr(modified)
	return &o, nil
}

// Organization returns the organization with id, or ENotFound.
func (s *Store) Organization(ctx context.Context, id string) (*gatehouse.Organization, error) {
	o, err := s.org(ctx, "id", id)
	return o, s.notFound(err, "find organization %s", id)
}

// OrganizationBySlug returns the organization with slug, or ENotFound.
func (s *Store) OrganizationBySlug(ctx context.Context, slug string) (*gatehouse.Organization, error) {
	o, err := s.org(ctx, "slug", slug)
	return o, s.notFound(err, "find organization by slug")
}

// notFound maps sql.ErrNoRows to gatehouse.ErrNotFound and wraps the rest.
func (s *Store) notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.ErrNotFound
	}
	return s.wrap(err, format, args...)
}

// CreateAccessToken inserts t (an ID is generated when t.ID is empty). A
// digest already stored is EConflict.
func (s *Store) CreateAccessToken(ctx context.Context, t *gatehouse.AccessToken) error {
	if t.ID == "" {
		t.ID = newID()
	}
	t.CreatedAt = norm(t.CreatedAt)
	normPtr(t.ExpiresAt)
	normPtr(t.LastUsedAt)
	normPtr(t.RevokedAt)
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO access_tokens (id, organization_id, token_hash, scopes, created_at, expires_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, t.OrganizationID, t.TokenHash, gatehouse.JoinScopes(t.Scopes), micros(t.CreatedAt),
		microsPtr(t.ExpiresAt), microsPtr(t.LastUsedAt), microsPtr(t.RevokedAt))
	if _, ok := uniqueViolation(err); ok {
		return &gatehouse.Error{Code: gatehouse.EConflict, Message: "This access token already exists.", Err: err}
	}
	return s.wrap(err, "create access token")
}

// AccessTokenByHash returns the token whose digest is one of hashes, whatever
// its state, or ENotFound.
func (s *Store) AccessTokenByHash(ctx context.Context, hashes []string) (*gatehouse.AccessToken, error) {
	if len(hashes) == 0 {
		return nil, gatehouse.ErrNotFound
	}
	st, err := s.stmt(ctx, `SELECT id, organization_id, token_hash, scopes, created_at, expires_at, last_used_at, revoked_at
		FROM access_tokens WHERE token_hash IN (`+placeholders(len(hashes))+`) LIMIT 1`)
	if err != nil {
		return nil, s.wrap(err, "find access token")
	}
	var (
		t                      gatehouse.AccessToken
		scopes                 string
		created                int64
		expires, used, revoked sql.NullInt64
	)
	err = st.QueryRowContext(ctx, anys(hashes)...).Scan(&t.ID, &t.OrganizationID, &t.TokenHash, &scopes, &created, &expires, &used, &revoked)
	if err != nil {
		return nil, s.notFound(err, "find access token")
	}
	for _, sc := range strings.Fields(scopes) {
		t.Scopes = append(t.Scopes, gatehouse.Scope(sc))
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), timePtr(expires), timePtr(used), timePtr(revoked)
	return &t, nil
}

// RevokeAccessToken marks the token revoked at now. It reports false when the
// token was already revoked or does not exist.
func (s *Store) RevokeAccessToken(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE access_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`), micros(now), id)
	if err != nil {
		return false, s.wrap(err, "revoke access token %s", id)
	}
	n, err := res.RowsAffected()
	return n > 0, s.wrap(err, "revoke access token %s", id)
}
