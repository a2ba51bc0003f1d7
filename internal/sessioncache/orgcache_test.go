package sessioncache_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sessioncache"
	"github.com/gatehouse/gatehouse/internal/token"
)

// TestAccessTokenCache checks that a cached organization token is served
// without the database, that a revocation is seen at once, and that a
// token created behind the cache's back (the CLI) is found.
func TestAccessTokenCache(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	c := sessioncache.New(db, 1000)
	now := time.Now().UTC().Truncate(time.Microsecond)
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: now}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	h := token.NewHasher("secret")
	raw := token.New(token.PrefixOrganization)
	tok := &gatehouse.AccessToken{OrganizationID: org.ID, TokenHash: h.Hash(raw), Scopes: []gatehouse.Scope{gatehouse.ScopeCustomersRead}, CreatedAt: now}
	if err := db.CreateAccessToken(ctx, tok); err != nil { // straight to the database
		t.Fatal(err)
	}
	got, err := c.AccessTokenByHash(ctx, h.Hashes(raw))
	if err != nil || got.ID != tok.ID || got.RevokedAt != nil {
		t.Fatalf("first lookup: %+v, %v", got, err)
	}
	// Served from the cache: a change made behind its back is not seen.
	if _, err := db.DB().ExecContext(ctx, `UPDATE access_tokens SET scopes = 'x' WHERE id = ?`, tok.ID); err != nil {
		t.Fatal(err)
	}
	got, err = c.AccessTokenByHash(ctx, h.Hashes(raw))
	if err != nil || len(got.Scopes) != 1 || got.Scopes[0] != gatehouse.ScopeCustomersRead {
		t.Fatalf("cached lookup: %+v, %v", got, err)
	}
	got.RevokedAt = &now // the caller's copy; the cache must not change
	if ok, err := c.RevokeAccessToken(ctx, tok.ID, now); !ok || err != nil {
		t.Fatalf("revoke: %v, %v", ok, err)
	}
	got, err = c.AccessTokenByHash(ctx, h.Hashes(raw))
	if err != nil || got.RevokedAt == nil || !got.RevokedAt.Equal(now) {
		t.Fatalf("after revoke: %+v, %v; want revoked at %v", got, err, now)
	}
	if _, err := c.AccessTokenByHash(ctx, []string{"unknown"}); gatehouse.ErrorCodeOf(err) != gatehouse.ENotFound {
		t.Fatalf("unknown token: %v", err)
	}
}

// TestOrganizationCache checks organizations by ID and slug, and that an
// organization created by another process is found.
func TestOrganizationCache(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	c := sessioncache.New(db, 1000)
	if _, err := c.OrganizationBySlug(ctx, "acme"); gatehouse.ErrorCodeOf(err) != gatehouse.ENotFound {
		t.Fatalf("missing organization: %v", err)
	}
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: time.Now()}
	if err := db.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a, err := c.OrganizationBySlug(ctx, "acme")
		if err != nil || a.ID != org.ID {
			t.Fatalf("by slug: %+v, %v", a, err)
		}
		b, err := c.Organization(ctx, org.ID)
		if err != nil || b.Slug != "acme" {
			t.Fatalf("by ID: %+v, %v", b, err)
		}
		a.Name = "changed by the caller"
	}
	if o, _ := c.Organization(ctx, org.ID); o.Name != "Acme" {
		t.Fatalf("cached organization changed through a returned copy: %q", o.Name)
	}
}
