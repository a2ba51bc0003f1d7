package sessioncache

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

// maxOrgEntries bounds the organization-token and organization caches; a
// full cache starts over empty.
const maxOrgEntries = 10_000

// orgCache holds what the merchant API reads on every request: the
// organization access token (by digest) and the organization (by ID and by
// slug). Only found rows are cached, so a token or organization created by
// another process (the CLI) is seen at once. Organizations are never
// changed or deleted once created (gatehouse has no such operation), and an
// access token changes only by RevokeAccessToken, which goes through this
// process: secret scanning revokes through the server. A revocation by
// another process (there is none today) would need this cache off.
type orgCache struct {
	tokens    map[string]*gatehouse.AccessToken // digest → token
	tokenKeys map[string]string                 // token ID → digest
	orgs      map[string]*gatehouse.Organization
	slugs     map[string]*gatehouse.Organization
}

func (o *orgCache) reset() {
	o.tokens = make(map[string]*gatehouse.AccessToken)
	o.tokenKeys = make(map[string]string)
	o.orgs = make(map[string]*gatehouse.Organization)
	o.slugs = make(map[string]*gatehouse.Organization)
}

// AccessTokenByHash answers from the cache when it can, else from the
// store, remembering a found token (revoked or expired ones too: the caller
// classifies them), keyed by its stored digest. The returned value is a
// copy; its Scopes slice is shared and must not be changed.
func (c *Store) AccessTokenByHash(ctx context.Context, hashes []string) (*gatehouse.AccessToken, error) {
	if len(hashes) == 0 {
		return c.Store.AccessTokenByHash(ctx, hashes)
	}
	c.mu.RLock()
	gen := c.gen
	for _, h := range hashes {
		if t, ok := c.org.tokens[h]; ok {
			c.mu.RUnlock()
			cp := *t
			return &cp, nil
		}
	}
	c.mu.RUnlock()
	t, err := c.Store.AccessTokenByHash(ctx, hashes)
	if err != nil {
		return nil, err
	}
	key := t.TokenHash
	c.mu.Lock()
	if c.gen == gen {
		if len(c.org.tokens) >= maxOrgEntries {
			clear(c.org.tokens)
			clear(c.org.tokenKeys)
		}
		cp := *t
		c.org.tokens[key] = &cp
		c.org.tokenKeys[t.ID] = key
	}
	c.mu.Unlock()
	return t, nil
}

// RevokeAccessToken revokes and forgets the token.
func (c *Store) RevokeAccessToken(ctx context.Context, id string, now time.Time) (bool, error) {
	drop := func() {
		if key, ok := c.org.tokenKeys[id]; ok {
			delete(c.org.tokens, key)
			delete(c.org.tokenKeys, id)
		}
	}
	done := c.invalidate(drop)
	defer done()
	return c.Store.RevokeAccessToken(ctx, id, now)
}

// Organization answers from the cache when it can.
func (c *Store) Organization(ctx context.Context, id string) (*gatehouse.Organization, error) {
	return c.organization(ctx, c.org.orgs, id, c.Store.Organization)
}

// OrganizationBySlug answers from the cache when it can.
func (c *Store) OrganizationBySlug(ctx context.Context, slug string) (*gatehouse.Organization, error) {
	return c.organization(ctx, c.org.slugs, slug, c.Store.OrganizationBySlug)
}

func (c *Store) organization(ctx context.Context, m map[string]*gatehouse.Organization, key string,
	load func(context.Context, string) (*gatehouse.Organization, error)) (*gatehouse.Organization, error) {
	c.mu.RLock()
	o, ok := m[key]
	c.mu.RUnlock()
	if ok {
		cp := *o
		return &cp, nil
	}
	o, err := load(ctx, key)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.org.orgs) >= maxOrgEntries {
		clear(c.org.orgs)
		clear(c.org.slugs)
	}
	cp := *o
	c.org.orgs[o.ID] = &cp
	c.org.slugs[o.Slug] = &cp
	c.mu.Unlock()
	return o, nil
}
