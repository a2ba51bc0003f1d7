package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/token"
)

const (
	tokenSynopsis       = "gatehouse token create --org SLUG --scopes LIST [--expires-in DURATION]"
	tokenCreateSynopsis = "gatehouse token create --org acme --scopes customers:read,customers:write,customer_sessions:write"
)

// runToken is "gatehouse token SUBCOMMAND".
func runToken(ctx context.Context, e env, args []string) error {
	return runOnly(ctx, e, args, "gatehouse token create", tokenSynopsis, tokenCreateSynopsis, runTokenCreate)
}

// tokenCreateCmd is "gatehouse token create": it creates an organization
// access token and prints it, raw token included, as one JSON object. Only
// its digest is stored: this output is the only time the token is shown.
type tokenCreateCmd struct {
	db              dbFlags
	slug, scopeList string
	expiresIn       time.Duration
}

func runTokenCreate(ctx context.Context, e env, args []string) error {
	return new(tokenCreateCmd).run(ctx, e, args)
}

func (c *tokenCreateCmd) run(ctx context.Context, e env, args []string) error {
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "token create", tokenSynopsis)
	c.db.register(fs, v)
	fs.StringVar(&c.slug, "org", "", "slug of the organization the token acts for (required)")
	fs.StringVar(&c.scopeList, "scopes", "", "comma- or space-separated scopes (required): "+gatehouse.JoinScopes(gatehouse.OrganizationScopes))
	fs.DurationVar(&c.expiresIn, "expires-in", 0, "lifetime such as 720h; 0 means the token never expires")
	if err := parseFlags(fs, args, tokenCreateSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if c.slug == "" || c.scopeList == "" {
		return usagef(tokenCreateSynopsis, "--org and --scopes are required")
	}
	if c.expiresIn < 0 {
		return usagef(tokenCreateSynopsis+" --expires-in 720h", "--expires-in must not be negative")
	}
	scopes, err := gatehouse.ParseScopes(c.scopeList)
	if err != nil {
		return usagef(tokenCreateSynopsis, "--scopes: %s", errMessage(err))
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
		if gatehouse.ErrorCodeOf(err) == gatehouse.ENotFound {
			return fmt.Errorf("no organization with slug %q (create it with: gatehouse org create --name NAME --slug %s)", c.slug, c.slug)
		}
		return fmt.Errorf("find organization: %w", err)
	}
	raw := token.New(token.PrefixOrganization)
	now := time.Now().UTC()
	t := &gatehouse.AccessToken{
		ID:             gatehouse.NewID(),
		OrganizationID: org.ID,
		TokenHash:      hasher.Hash(raw),
		Scopes:         scopes,
		CreatedAt:      now,
	}
	if c.expiresIn > 0 {
		exp := now.Add(c.expiresIn)
		t.ExpiresAt = &exp
	}
	if err := st.CreateAccessToken(ctx, t); err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	out := apitype.AccessToken{
		ID:             t.ID,
		OrganizationID: t.OrganizationID,
		Token:          raw,
		Scopes:         make([]string, len(scopes)),
		CreatedAt:      apitype.NewTime(t.CreatedAt),
		ExpiresAt:      apitype.NewTimePtr(t.ExpiresAt),
	}
	for i, s := range scopes {
		out.Scopes[i] = string(s)
	}
	return printJSON(e, out)
}

// errMessage returns the safe message of a domain error.
func errMessage(err error) string {
	var e *gatehouse.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
