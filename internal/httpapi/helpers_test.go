package httpapi

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// fakeClock is the only fake in these tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a server on a real store with two organizations, tokens and one
// customer each.
type env struct {
	t        testing.TB
	store    gatehouse.Store
	srv      *Server
	handler  http.Handler // what do serves: nil is srv (the metrics test wraps it as cmd does)
	clock    *fakeClock
	hasher   *token.Hasher
	orgA     *gatehouse.Organization
	orgB     *gatehouse.Organization
	tok      map[string]string // name → raw token
	vars     map[string]string // placeholders for paths and bodies
	scanPriv *ecdsa.PrivateKey // signs secret-scanning reports as key "k1"
	seen     *[]seenResponse   // when set, every response is appended
}

// seenResponse is one response of a scenario, for the OpenAPI check.
type seenResponse struct {
	method, path string
	status       int
	body         []byte
}

var backends = map[string]func(testing.TB) string{
	"sqlite":   storetest.SQLiteDSN,
	"postgres": storetest.PostgresDSN,
}

func mustStore(t testing.TB, dsn string) gatehouse.Store {
	t.Helper()
	return sqlstoretest.Open(t, dsn, sqlstore.Options{})
}

// newEnv sets up the fixture on SQLite.
func newEnv(t testing.TB) *env { return newEnvDSN(t, storetest.SQLiteDSN(t)) }

func newEnvDSN(t testing.TB, dsn string) *env {
	t.Helper()
	e := &env{
		t:      t,
		store:  mustStore(t, dsn),
		clock:  &fakeClock{t: time.Date(2026, 8, 22, 10, 0, 0, 123456000, time.UTC)},
		hasher: token.NewHasher("test secret"),
		tok:    map[string]string{},
		vars:   map[string]string{},
	}
	e.scanPriv = mustECDSA(t)
	e.srv = e.newServer(nil)
	e.orgA = e.mustOrg("Acme", "acme")
	e.orgB = e.mustOrg("Globex", "globex")
	all := []gatehouse.Scope{gatehouse.ScopeCustomersRead, gatehouse.ScopeCustomersWrite, gatehouse.ScopeCustomerSessionsWrite}
	e.tok["A"] = e.mustToken(e.orgA, all, nil)
	e.tok["Aread"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomersRead}, nil)
	e.tok["Asess"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomerSessionsWrite}, nil)
	e.tok["Asread"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomerSessionsRead}, nil)
	e.tok["B"] = e.mustToken(e.orgB, all, nil)
	e.tok["W"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeWebhooksWrite}, nil)
	e.tok["Wread"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeWebhooksRead}, nil)
	e.tok["BW"] = e.mustToken(e.orgB, []gatehouse.Scope{gatehouse.ScopeWebhooksWrite}, nil)
	e.vars["{orgA}"], e.vars["{orgB}"] = e.orgA.ID, e.orgB.ID

	c := e.mustCreate("A", `{"email":"jane@gmail.com","external_id":"usr_1","name":"Jane Doe","metadata":{"plan":"pro","seats":3}}`)
	e.vars["{a1}"] = c["id"].(string)
	c = e.mustCreate("B", `{"email":"bob@gmail.com","external_id":"usr_1"}`)
	e.vars["{b1}"] = c["id"].(string)
	s := e.mustSession("A", `{"customer_id":"`+e.vars["{a1}"]+`","return_url":"https://e.com"}`)
	e.tok["cst"] = s["token"].(string)
	return e
}

// testPublicURL is the portal base of the fixture's login services.
const testPublicURL = "http://gh.test"

// newServer returns a Server on the fixture's store and clock, with the
// fixture's secret-scanning key; edit, when not nil, changes its Config
// first. Unless edit sets Login, the server gets a login service on the
// Config's store, secret, clock and logger, with no mail queue (code mails
// are dropped with a warning). The server
// and that login service are closed when the test ends.
func (e *env) newServer(edit func(*Config)) *Server {
	e.t.Helper()
	cfg := Config{Store: e.store, Customers: customers.New(e.store, e.clock.Now), Webhooks: webhooks.NewEndpoints(e.store, e.clock.Now, false),
		Hasher: e.hasher, Now: e.clock.Now,
		SecretScanKeys: mustScanKeys(e.t, "k1", &e.scanPriv.PublicKey)}
	if edit != nil {
		edit(&cfg)
	}
	if cfg.Login == nil {
		cfg.Login = mustLogin(e.t, login.Config{Store: cfg.Store, Customers: cfg.Customers, Hasher: cfg.Hasher,
			Logger: cfg.Logger, Now: cfg.Now, PublicURL: testPublicURL})
	}
	srv := mustNew(e.t, cfg)
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			e.t.Errorf("Server.Close: %v", err)
		}
	})
	return srv
}

// mustNew is New, failing the test on an error.
func mustNew(t testing.TB, cfg Config) *Server {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return srv
}

// mustLogin starts a login service for cfg and closes it when the test
// ends (after the servers made later, which close first).
func mustLogin(t testing.TB, cfg login.Config) *login.Service {
	t.Helper()
	svc := login.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Close(ctx); err != nil {
			t.Errorf("login.Close: %v", err)
		}
	})
	return svc
}

func (e *env) mustOrg(name, slug string) *gatehouse.Organization {
	e.t.Helper()
	o := &gatehouse.Organization{ID: gatehouse.NewID(), Name: name, Slug: slug, CreatedAt: e.clock.Now()}
	if err := e.store.CreateOrganization(context.Background(), o); err != nil {
		e.t.Fatalf("CreateOrganization(%s): %v", slug, err)
	}
	return o
}

func (e *env) mustToken(o *gatehouse.Organization, scopes []gatehouse.Scope, expires *time.Time) string {
	e.t.Helper()
	raw := token.New(token.PrefixOrganization)
	at := &gatehouse.AccessToken{ID: gatehouse.NewID(), OrganizationID: o.ID, TokenHash: e.hasher.Hash(raw),
		Scopes: scopes, CreatedAt: e.clock.Now(), ExpiresAt: expires}
	if err := e.store.CreateAccessToken(context.Background(), at); err != nil {
		e.t.Fatalf("CreateAccessToken: %v", err)
	}
	return raw
}

// with returns a copy of e reporting to t (for fuzz targets, whose F
// must not be used inside the target).
func (e *env) with(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// expand replaces {placeholders} and {tok:NAME} in s.
func (e *env) expand(s string) string {
	for k, v := range e.vars {
		s = strings.ReplaceAll(s, k, v)
	}
	for k, v := range e.tok {
		s = strings.ReplaceAll(s, "{tok:"+k+"}", v)
	}
	return s
}

// do sends a request through the handler. tok is a token name of the
// fixture, a raw Authorization value prefixed with "raw:", or "".
func (e *env) do(method, path, tok, body string, hdr ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(e.expand(body))
	}
	r := httptest.NewRequest(method, e.expand(path), rd)
	if body != "" || method == http.MethodPost || method == http.MethodPatch {
		r.Header.Set("Content-Length", fmt.Sprint(r.ContentLength))
	}
	switch {
	case strings.HasPrefix(tok, "raw:"):
		r.Header.Set("Authorization", e.expand(tok[4:]))
	case tok != "":
		raw, ok := e.tok[tok]
		if !ok {
			e.t.Fatalf("no token %q in fixture", tok)
		}
		r.Header.Set("Authorization", "Bearer "+raw)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Transfer-Encoding" { // as net/http presents a chunked body
			r.Header.Del("Content-Length")
			r.ContentLength = -1
			r.TransferEncoding = []string{hdr[i+1]}
			continue
		}
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	if e.handler != nil {
		e.handler.ServeHTTP(w, r)
	} else {
		e.srv.ServeHTTP(w, r)
	}
	if e.seen != nil {
		*e.seen = append(*e.seen, seenResponse{method, r.URL.EscapedPath(), w.Code, w.Body.Bytes()})
	}
	return w
}

func (e *env) mustCreate(tok, body string) map[string]any {
	e.t.Helper()
	w := e.do("POST", "/v1/customers/", tok, body)
	if w.Code != http.StatusCreated {
		e.t.Fatalf("create customer %s: got %d %s, want 201", body, w.Code, w.Body)
	}
	return mustJSON(e.t, w.Body.Bytes())
}

func (e *env) mustSession(tok, body string) map[string]any {
	e.t.Helper()
	w := e.do("POST", "/v1/customer-sessions/", tok, body)
	if w.Code != http.StatusCreated {
		e.t.Fatalf("create session %s: got %d %s, want 201", body, w.Code, w.Body)
	}
	return mustJSON(e.t, w.Body.Bytes())
}

// mustGet returns the customer as the API shows it.
func (e *env) mustGet(id string) map[string]any {
	e.t.Helper()
	w := e.do("GET", "/v1/customers/"+e.expand(id), "A", "")
	if w.Code != http.StatusOK {
		e.t.Fatalf("GET customer %s: got %d %s", id, w.Code, w.Body)
	}
	return mustJSON(e.t, w.Body.Bytes())
}

func mustJSON(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v: %q", err, b)
	}
	return m
}

// contains reports whether got includes want: objects by subset of keys,
// arrays element by element with equal length, scalars by equality.
func contains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !contains(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !contains(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

// checkJSONBody fails unless body contains the JSON want.
func checkJSONBody(t testing.TB, body []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON %q: %v", want, err)
	}
	if !contains(g, w) {
		t.Errorf("body mismatch:\n got %s\nwant ⊇ %s", body, want)
	}
}
