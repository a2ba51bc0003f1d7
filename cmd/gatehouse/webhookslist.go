package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
)

const webhooksSynopsis = "gatehouse webhooks --org SLUG [--failures 20]"

// Output bounds of "gatehouse webhooks".
const (
	// defaultFailures is how many recent failed deliveries are listed.
	defaultFailures = 20
	// maxFailures caps --failures at one page of the store's list.
	maxFailures = 100
	// failureResponseChars is how much of a failed delivery's response is
	// shown: enough to read an error line, short enough for a terminal.
	failureResponseChars = 200
	// endpointsPage is the page size the endpoints are read in.
	endpointsPage = 100
)

// webhooksCmd is "gatehouse webhooks": it prints an organization's
// webhook endpoints (never their secrets) and its latest failed
// deliveries as one JSON object, for an operator asking why a merchant
// gets no events.
//
// It is a command with flags, not a group: there is one thing to show,
// and the name the issue gives it is "gatehouse webhooks --org SLUG".
type webhooksCmd struct {
	db       dbFlags
	slug     string
	failures int
}

// webhooksOutput is what "gatehouse webhooks" prints.
type webhooksOutput struct {
	Organization     apitype.Organization `json:"organization"`
	Endpoints        []webhookEndpointOut `json:"endpoints"`
	FailedDeliveries []failedDeliveryOut  `json:"failed_deliveries"`
}

// webhookEndpointOut is an endpoint without its secret.
type webhookEndpointOut struct {
	ID        string       `json:"id"`
	URL       string       `json:"url"`
	Format    string       `json:"format"`
	Enabled   bool         `json:"enabled"`
	Events    []string     `json:"events"`
	CreatedAt apitype.Time `json:"created_at"`
}

// failedDeliveryOut is one failed delivery attempt.
type failedDeliveryOut struct {
	CreatedAt  apitype.Time `json:"created_at"`
	EndpointID string       `json:"endpoint_id"`
	EventID    string       `json:"event_id"`
	Type       string       `json:"type"`
	// HTTPCode is null when the receiver was unreachable.
	HTTPCode *int `json:"http_code"`
	// Response is the first failureResponseChars characters of the
	// answer, or the connection error.
	Response string `json:"response"`
}

func runWebhooks(ctx context.Context, e env, args []string) error {
	return new(webhooksCmd).run(ctx, e, args)
}

func (c *webhooksCmd) run(ctx context.Context, e env, args []string) error {
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "webhooks", webhooksSynopsis)
	c.db.register(fs, v)
	fs.StringVar(&c.slug, "org", "", "slug of the organization (required)")
	fs.IntVar(&c.failures, "failures", defaultFailures, fmt.Sprintf("how many of the latest failed deliveries to list (at most %d)", maxFailures))
	if err := parseFlags(fs, args, webhooksSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if c.slug == "" {
		return usagef("gatehouse webhooks --org acme", "--org is required")
	}
	if c.failures < 0 || c.failures > maxFailures {
		return usagef(fmt.Sprintf("gatehouse webhooks --org %s --failures %d", c.slug, defaultFailures), "--failures must be 0-%d", maxFailures)
	}
	log, err := c.db.logger(e.stderr)
	if err != nil {
		return err
	}
	// Endpoints are read with their secrets unsealed (the store has one
	// reader); the output leaves the secrets out.
	sealer, err := c.db.sealer(log)
	if err != nil {
		return err
	}
	st, err := openForCLIWith(ctx, &c.db, log, sqlstore.Options{Sealer: sealer})
	if err != nil {
		return err
	}
	defer st.Close()
	org, err := st.OrganizationBySlug(ctx, c.slug)
	if err != nil {
		if gatehouse.ErrorCodeOf(err) == gatehouse.ENotFound {
			return fmt.Errorf("no organization with slug %q", c.slug)
		}
		return fmt.Errorf("find organization: %w", err)
	}
	out := webhooksOutput{
		Organization: apitype.Organization{ID: org.ID, Name: org.Name, Slug: org.Slug, CreatedAt: apitype.NewTime(org.CreatedAt)},
	}
	if out.Endpoints, err = endpointsOf(ctx, st, org.ID); err != nil {
		return err
	}
	if out.FailedDeliveries, err = failuresOf(ctx, st, org.ID, c.failures); err != nil {
		return err
	}
	return printJSON(e, out)
}

// endpointsOf returns every live endpoint of the organization, newest
// first.
func endpointsOf(ctx context.Context, st *sqlstore.Store, orgID string) ([]webhookEndpointOut, error) {
	out := []webhookEndpointOut{}
	for page := 1; ; page++ {
		eps, total, err := st.ListWebhookEndpoints(ctx, orgID, gatehouse.Page{Page: page, Limit: endpointsPage})
		if err != nil {
			return nil, fmt.Errorf("list webhook endpoints: %w", err)
		}
		for _, ep := range eps {
			out = append(out, webhookEndpointOut{ID: ep.ID, URL: ep.URL, Format: ep.Format, Enabled: ep.Enabled,
				Events: ep.Events, CreatedAt: apitype.NewTime(ep.CreatedAt)})
		}
		if len(eps) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

// failuresOf returns the organization's n latest failed deliveries,
// newest first.
func failuresOf(ctx context.Context, st *sqlstore.Store, orgID string, n int) ([]failedDeliveryOut, error) {
	out := []failedDeliveryOut{}
	if n == 0 {
		return out, nil
	}
	failed := false
	ds, _, err := st.ListWebhookDeliveries(ctx, orgID, gatehouse.WebhookDeliveryFilter{Succeeded: &failed, Page: gatehouse.Page{Page: 1, Limit: n}})
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	for _, d := range ds {
		f := failedDeliveryOut{CreatedAt: apitype.NewTime(d.CreatedAt), EventID: d.EventID, HTTPCode: d.HTTPCode}
		if d.Event != nil {
			f.EndpointID, f.Type = d.Event.EndpointID, d.Event.Type
		}
		if d.Response != nil {
			f.Response = firstChars(*d.Response, failureResponseChars)
		}
		out = append(out, f)
	}
	return out, nil
}

// firstChars returns the first n characters (not bytes) of s.
func firstChars(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
