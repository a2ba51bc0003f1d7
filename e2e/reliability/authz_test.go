package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// The credentials of the matrix. "valid" is the control: the route's own
// kind of credential, of the right organization, customer and scope.
var credentials = []string{"valid", "none", "malformed", "bad_checksum", "unknown", "expired", "revoked",
	"wrong_kind", "missing_scope", "other_org", "other_customer"}

// routeSpec is what the matrix knows about one route: the request body to
// send and the answers to expect where they depend on the route.
type routeSpec struct {
	body string // JSON body; {email} {customer_id} {external_id} {org_id} are filled in
	ok   int    // status with a valid credential
	// otherOrg is the status with another organization's valid token (org
	// routes): 404 for a resource of the first organization, 422 where the
	// contract treats a foreign customer as unknown, ok for lists and
	// creates (which must then not show the first organization's data).
	otherOrg int
}

// routeSpecs must hold every route the server answers: a new route without
// an entry fails TestAuthorizationMatrix. Entries for routes not served yet
// (issues 4 and 5) are harmless.
var routeSpecs = map[string]routeSpec{
	"GET /healthz":      {ok: 200},
	"GET /readyz":       {ok: 200},
	"GET /openapi.json": {ok: 200},

	"GET /v1/customers/":                                     {ok: 200, otherOrg: 200},
	"POST /v1/customers/":                                    {body: `{"email":"{email}"}`, ok: 201, otherOrg: 201},
	"GET /v1/customers/export":                               {ok: 200, otherOrg: 200},
	"GET /v1/customers/{id}":                                 {ok: 200, otherOrg: 404},
	"PATCH /v1/customers/{id}":                               {body: `{"name":"Matrix"}`, ok: 200, otherOrg: 404},
	"DELETE /v1/customers/{id}":                              {ok: 204, otherOrg: 404},
	"GET /v1/customers/{id}/state":                           {ok: 200, otherOrg: 404},
	"GET /v1/customers/external/{external_id}":               {ok: 200, otherOrg: 404},
	"PATCH /v1/customers/external/{external_id}":             {body: `{"name":"Matrix"}`, ok: 200, otherOrg: 404},
	"DELETE /v1/customers/external/{external_id}":            {ok: 204, otherOrg: 404},
	"GET /v1/customers/external/{external_id}/state":         {ok: 200, otherOrg: 404},
	"POST /v1/customer-sessions/":                            {body: `{"customer_id":"{customer_id}"}`, ok: 201, otherOrg: 422},
	"GET /v1/customer-sessions/":                             {ok: 200, otherOrg: 200},
	"GET /v1/customer-sessions/{id}":                         {ok: 200, otherOrg: 404},
	"DELETE /v1/customer-sessions/{id}":                      {ok: 204, otherOrg: 404},
	"POST /v1/customer-sessions/revoke":                      {body: `{"customer_id":"{customer_id}"}`, ok: 200, otherOrg: 422},
	"GET /v1/customer-portal/customers/me":                   {ok: 200},
	"PATCH /v1/customer-portal/customers/me":                 {body: `{"billing_name":"Matrix"}`, ok: 200},
	"GET /v1/customer-portal/customer-session/introspect":    {ok: 200},
	"GET /v1/customer-portal/customer-session/user":          {ok: 200},
	"DELETE /v1/customer-portal/customer-session":            {ok: 204},
	"GET /v1/customer-portal/organizations/{slug}":           {ok: 200},
	"POST /v1/customer-portal/customer-session/request":      {body: `{"email":"{email}","organization_id":"{org_id}"}`, ok: 202},
	"POST /v1/customer-portal/customer-session/authenticate": {body: `{"code":"AAAAAA"}`, ok: 401},

	"GET /v1/webhooks/endpoints":               {ok: 200, otherOrg: 200},
	"POST /v1/webhooks/endpoints":              {body: `{"url":"https://example.com/hook","format":"raw","events":["customer.created"]}`, ok: 201, otherOrg: 201},
	"GET /v1/webhooks/endpoints/{id}":          {ok: 200, otherOrg: 404},
	"PATCH /v1/webhooks/endpoints/{id}":        {body: `{"name":"Matrix"}`, ok: 200, otherOrg: 404},
	"DELETE /v1/webhooks/endpoints/{id}":       {ok: 204, otherOrg: 404},
	"PATCH /v1/webhooks/endpoints/{id}/secret": {ok: 200, otherOrg: 404},
	"GET /v1/webhooks/deliveries":              {ok: 200, otherOrg: 200},
	"POST /v1/webhooks/events/{id}/redeliver":  {ok: 202, otherOrg: 404},
}

// Exact error bodies of contract §A.4 (plus Gatehouse's reason).
const (
	bodyUnauthorized = `{"error":"Unauthorized","detail":"Unauthorized"}`
	bodyScope        = `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token."}`
	bodyNotFound     = `{"error":"ResourceNotFound","detail":"Not found"}`
)

func bodyInvalid(reason string) string {
	return `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed, or invalid for other reasons.","reason":"` + reason + `"}`
}

// expectation is the status and, for errors, the exact body of one cell.
type expectation struct {
	status int
	body   string // exact; "" means: no error body check, but no leak
}

// expect derives the cell for route rt and credential cred.
func expect(rt httpapi.RouteInfo, spec routeSpec, cred string) expectation {
	invalid := map[string]string{"malformed": "malformed", "bad_checksum": "malformed", "unknown": "unknown",
		"expired": "expired", "revoked": "revoked"}
	if reason, ok := invalid[cred]; ok {
		return expectation{401, bodyInvalid(reason)} // even on public routes
	}
	ok := expectation{status: spec.ok}
	switch rt.Auth {
	case httpapi.AuthNone:
		return ok // any valid credential, of any kind, is ignored
	case httpapi.AuthOrganization:
		switch cred {
		case "none", "wrong_kind", "other_customer":
			return expectation{401, bodyUnauthorized}
		case "missing_scope":
			return expectation{403, bodyScope}
		case "other_org":
			if spec.otherOrg == 404 {
				return expectation{404, bodyNotFound}
			}
			return expectation{status: spec.otherOrg}
		}
	case httpapi.AuthCustomer:
		switch cred {
		case "none", "wrong_kind":
			return expectation{401, bodyUnauthorized}
		}
		// missing_scope: every session carries the portal scopes;
		// other_org, other_customer: the session's own customer.
	}
	return ok
}

// matrixEnv is an in-process server on a real SQLite store with two
// organizations.
type matrixEnv struct {
	srv    *httptest.Server
	api    *httpapi.Server
	st     *sqlstore.Store
	h      *token.Hasher
	orgA   *gatehouse.Organization
	orgB   *gatehouse.Organization
	tokens map[string]string // full, customers, sessions, expired, revoked, otherOrg
	admin  *client.Client    // org A, every scope
	adminB *client.Client
	seq    int
}

func newMatrixEnv(t *testing.T) *matrixEnv {
	t.Helper()
	ctx := context.Background()
	st := sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	e := &matrixEnv{st: st, h: token.NewHasher(testSecret), tokens: map[string]string{}}
	e.orgA, e.orgB = e.mustOrg(t, "matrix-a"), e.mustOrg(t, "matrix-b")
	past := time.Now().Add(-time.Hour)
	e.tokens["full"] = e.mustToken(t, e.orgA, gatehouse.OrganizationScopes, nil)
	e.tokens["customers"] = e.mustToken(t, e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomersRead, gatehouse.ScopeCustomersWrite}, nil)
	e.tokens["sessions"] = e.mustToken(t, e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomerSessionsRead, gatehouse.ScopeCustomerSessionsWrite}, nil)
	e.tokens["expired"] = e.mustToken(t, e.orgA, gatehouse.OrganizationScopes, &past)
	e.tokens["revoked"] = e.mustToken(t, e.orgA, gatehouse.OrganizationScopes, nil)
	e.tokens["other_org"] = e.mustToken(t, e.orgB, gatehouse.OrganizationScopes, nil)
	tok, err := st.AccessTokenByHash(ctx, e.h.Hashes(e.tokens["revoked"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeAccessToken(ctx, tok.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	logw := secrets.NewLog()
	log := slog.New(slog.NewTextHandler(logw, nil))
	svc := login.New(login.Config{Store: st, Customers: customers.New(st, nil), Hasher: e.h, Logger: log, PublicURL: "http://127.0.0.1"})
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	api, err := httpapi.New(httpapi.Config{Store: st, Customers: customers.New(st, nil), Webhooks: webhooks.NewEndpoints(st, nil, false), Hasher: e.h, Login: svc, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e.api = api
	e.srv = httptest.NewServer(api)
	t.Cleanup(e.srv.Close)
	e.admin = client.New(e.srv.URL, client.WithToken(e.tokens["full"]))
	e.adminB = client.New(e.srv.URL, client.WithToken(e.tokens["other_org"]))
	e.mustEndpoint(t) // every fixture's customer then has a webhook event
	return e
}

func (e *matrixEnv) mustOrg(t *testing.T, slug string) *gatehouse.Organization {
	t.Helper()
	o := &gatehouse.Organization{ID: gatehouse.NewID(), Name: slug, Slug: slug, CreatedAt: time.Now().UTC()}
	if err := e.st.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func (e *matrixEnv) mustToken(t *testing.T, o *gatehouse.Organization, scopes []gatehouse.Scope, exp *time.Time) string {
	t.Helper()
	raw := token.New(token.PrefixOrganization)
	secrets.Hide(raw)
	if err := e.st.CreateAccessToken(context.Background(), &gatehouse.AccessToken{ID: gatehouse.NewID(),
		OrganizationID: o.ID, TokenHash: e.h.Hash(raw), Scopes: scopes, CreatedAt: time.Now().UTC().Add(-2 * time.Hour), ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	return raw
}

// fixture is a fresh customer with a session, made for one cell so that
// deletes and logouts in other cells cannot interfere.
type fixture struct {
	cust    *apitype.Customer
	session *client.CustomerSession
}

func (e *matrixEnv) mustFixture(t *testing.T, c *client.Client) fixture {
	t.Helper()
	e.seq++
	ext := fmt.Sprintf("matrix-ext-%d", e.seq)
	cu, err := c.CreateCustomer(t.Context(), apitype.CustomerCreate{Email: fmt.Sprintf("matrix%d@example.com", e.seq), ExternalID: &ext})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateCustomerSession(t.Context(), apitype.CustomerSessionCreate{CustomerID: cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	secrets.Hide(s.Token)
	return fixture{cu, s}
}

// mustEndpoint creates a webhook endpoint of organization A for one cell
// and returns its ID.
func (e *matrixEnv) mustEndpoint(t *testing.T) string {
	t.Helper()
	ep, err := e.admin.CreateWebhookEndpoint(t.Context(), apitype.WebhookEndpointCreate{URL: "https://example.com/matrix",
		Format: "raw", Events: []string{gatehouse.EventCustomerCreated}})
	if err != nil {
		t.Fatal(err)
	}
	return ep.ID
}

// eventOf returns the ID of a webhook event of customer id: the
// customer.created event its creation wrote for the endpoint newMatrixEnv
// subscribed (the API lists deliveries, not events, so it is read from
// the database).
func (e *matrixEnv) eventOf(t *testing.T, customerID string) string {
	t.Helper()
	var id string
	if err := e.st.DB().QueryRowContext(t.Context(), `SELECT id FROM webhook_events WHERE customer_id = ? ORDER BY seq LIMIT 1`, customerID).Scan(&id); err != nil {
		t.Fatalf("webhook event of customer %s: %v", customerID, err)
	}
	return id
}

// TestAuthorizationMatrix builds its cases from the server's route table:
// every route × every credential gets the exact expected status (and, for
// errors, the exact body and a WWW-Authenticate header); a route with no
// entry in routeSpecs fails the test. Cells where another organization's
// or another customer's credential is accepted must not show the target's
// data.
func TestAuthorizationMatrix(t *testing.T) {
	e := newMatrixEnv(t)
	cells := 0
	for _, rt := range e.api.Routes() {
		key := rt.Method + " " + rt.Pattern
		spec, ok := routeSpecs[key]
		if !ok {
			t.Errorf("route %s has no authorization-matrix entry: add it to routeSpecs", key)
			continue
		}
		for _, cred := range credentials {
			want := expect(rt, spec, cred)
			got, body, target := e.cell(t, rt, spec, cred)
			cells++
			where := fmt.Sprintf("%s with %s credential", key, cred)
			if got.StatusCode != want.status {
				t.Errorf("%s: got %d %s, want %d", where, got.StatusCode, trim(body), want.status)
				continue
			}
			if want.body != "" {
				if strings.TrimSpace(body) != want.body {
					t.Errorf("%s: got body %s, want %s", where, trim(body), want.body)
				}
				if got.Header.Get("WWW-Authenticate") == "" && (want.status == 401 || want.status == 403) {
					t.Errorf("%s: no WWW-Authenticate header", where)
				}
			}
			foreign := cred == "other_org" || cred == "other_customer"
			if foreign && rt.Auth != httpapi.AuthNone && got.StatusCode < 300 &&
				(strings.Contains(body, target.cust.ID) || strings.Contains(body, *target.cust.Email)) {
				t.Errorf("%s: the answer shows the target customer of another organization or customer: %s", where, trim(body))
			}
		}
	}
	t.Logf("authorization matrix: %d routes × %d credentials = %d cells checked", len(e.api.Routes()), len(credentials), cells)
}

// cell sends one request of the matrix and returns the answer and the
// target fixture.
func (e *matrixEnv) cell(t *testing.T, rt httpapi.RouteInfo, spec routeSpec, cred string) (*http.Response, string, fixture) {
	t.Helper()
	ctx := context.Background()
	target, other := e.mustFixture(t, e.admin), e.mustFixture(t, e.admin)
	foreign := e.mustFixture(t, e.adminB)
	tok := e.credential(t, rt, cred, target, other, foreign)
	path := strings.NewReplacer("{external_id}", *target.cust.ExternalID, "{slug}", e.orgA.Slug).Replace(rt.Pattern)
	switch {
	case strings.HasPrefix(rt.Pattern, "/v1/customer-sessions/{id}"):
		path = strings.Replace(path, "{id}", target.session.ID, 1)
	case strings.HasPrefix(rt.Pattern, "/v1/webhooks/endpoints/{id}"):
		path = strings.Replace(path, "{id}", e.mustEndpoint(t), 1)
	case strings.HasPrefix(rt.Pattern, "/v1/webhooks/events/{id}"):
		path = strings.Replace(path, "{id}", e.eventOf(t, target.cust.ID), 1)
	}
	path = strings.Replace(path, "{id}", target.cust.ID, 1)
	e.seq++
	body := strings.NewReplacer("{email}", fmt.Sprintf("cell%d@example.com", e.seq), "{customer_id}", target.cust.ID,
		"{org_id}", e.orgA.ID).Replace(spec.body)
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(ctx, rt.Method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), target
}

// credential returns the token of cred for a route of rt's kind.
func (e *matrixEnv) credential(t *testing.T, rt httpapi.RouteInfo, cred string, target, other, foreign fixture) string {
	t.Helper()
	org := rt.Auth == httpapi.AuthOrganization
	prefix, valid := token.PrefixSession, target.session.Token
	if org {
		prefix, valid = token.PrefixOrganization, e.tokens["full"]
	}
	switch cred {
	case "valid":
		if rt.Auth == httpapi.AuthNone {
			return ""
		}
		return valid
	case "none":
		return ""
	case "malformed":
		return prefix + "tooShort"
	case "bad_checksum":
		return e2etest.Tamper(valid)
	case "unknown":
		return token.New(prefix)
	case "expired":
		if org {
			return e.tokens["expired"]
		}
		return e.mustSessionRow(t, target.cust.ID, time.Now().Add(-time.Minute), false)
	case "revoked":
		if org {
			return e.tokens["revoked"]
		}
		return e.mustSessionRow(t, target.cust.ID, time.Now().Add(time.Hour), true)
	case "wrong_kind":
		if org {
			return target.session.Token
		}
		return e.tokens["full"]
	case "missing_scope":
		if !org {
			return valid // every session carries the portal scopes
		}
		for _, sc := range rt.Scopes {
			if strings.HasPrefix(string(sc), "customers:") {
				return e.tokens["sessions"]
			}
		}
		return e.tokens["customers"]
	case "other_org":
		if org || rt.Auth == httpapi.AuthNone {
			return e.tokens["other_org"]
		}
		return foreign.session.Token
	case "other_customer":
		return other.session.Token
	}
	t.Fatalf("unknown credential %q", cred)
	return ""
}

// mustSessionRow stores a session for customerID directly (the API cannot
// mint an expired one) and returns its raw token.
func (e *matrixEnv) mustSessionRow(t *testing.T, customerID string, expires time.Time, revoked bool) string {
	t.Helper()
	raw := token.New(token.PrefixSession)
	secrets.Hide(raw)
	now := time.Now().UTC().Truncate(time.Microsecond)
	s := &gatehouse.Session{ID: gatehouse.NewID(), OrganizationID: e.orgA.ID, CustomerID: customerID,
		TokenHash: e.h.Hash(raw), CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: expires.UTC().Truncate(time.Microsecond)}
	ctx := context.Background()
	if err := e.st.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if revoked {
		if err := e.st.RevokeSession(ctx, e.orgA.ID, s.ID, "matrix", now); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
