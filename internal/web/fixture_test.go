package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// clock is the only fake in these tests: a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a real Gatehouse API on a real SQLite file with the portal in
// front of it, served over HTTP, plus one organization and its merchant
// client.
type fixture struct {
	srv      *httptest.Server
	clock    *clock
	store    *sqlstore.Store
	merchant *client.Client
	org      *gatehouse.Organization
}

// mustFixture starts the fixture; opts adjust the login service's
// configuration (rate limits, block length) before it starts.
func mustFixture(t *testing.T, opts ...func(*login.Config)) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "gatehouse.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	hasher := token.NewHasher("web-test-secret-0123456789abcdef")
	f := &fixture{clock: clk, store: st}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	cs := customers.New(st, clk.Now)
	lc := login.Config{Store: st, Customers: cs, Hasher: hasher, Mail: discardMail{}, Now: clk.Now, PublicURL: f.srv.URL, SessionTTL: time.Hour}
	for _, o := range opts {
		o(&lc)
	}
	svc := login.New(lc)
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	api, err := httpapi.New(httpapi.Config{Store: st, Customers: cs, Webhooks: webhooks.NewEndpoints(st, clk.Now, false), Hasher: hasher, Login: svc, Now: clk.Now})
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	portal, err := New(Config{API: api, Now: clk.Now})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux.Handle("/v1/", api)
	mux.Handle("/", portal)

	f.org = &gatehouse.Organization{Name: "Acme Inc", Slug: "acme", CreatedAt: clk.Now()}
	if err := st.CreateOrganization(ctx, f.org); err != nil {
		t.Fatalf("create org: %v", err)
	}
	raw := token.New(token.PrefixOrganization)
	at := &gatehouse.AccessToken{
		OrganizationID: f.org.ID, TokenHash: hasher.Hash(raw), CreatedAt: clk.Now(),
		Scopes: []gatehouse.Scope{gatehouse.ScopeCustomersRead, gatehouse.ScopeCustomersWrite, gatehouse.ScopeCustomerSessionsWrite},
	}
	if err := st.CreateAccessToken(ctx, at); err != nil {
		t.Fatalf("create token: %v", err)
	}
	f.merchant = client.New(f.srv.URL, client.WithToken(raw))
	return f
}

// discardMail drops the login-code mail: these tests never read a code.
type discardMail struct{}

func (discardMail) Enqueue(gatehouse.Message) {}

// mustSession creates a customer and a portal session for them.
func (f *fixture) mustSession(t *testing.T, email string, returnURL *string) *client.CustomerSession {
	t.Helper()
	ctx := context.Background()
	name := "Jane Doe"
	c, err := f.merchant.CreateCustomer(ctx, apitype.CustomerCreate{Email: email, Name: &name})
	if err != nil {
		t.Fatalf("create customer: %v", err)
	}
	s, err := f.merchant.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: c.ID, ReturnURL: returnURL})
	if err != nil {
		t.Fatalf("create session: %v", err)
	}
	return s
}

// browser is an HTTP client that keeps cookies and does not follow
// redirects, so each step can be inspected.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
	last string // body of the last page, for its CSRF field
}

func (f *fixture) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: f.srv.URL, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one answer.
type pageResp struct {
	*http.Response
	Body string
}

func (b *browser) do(req *http.Request) *pageResp {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = string(body)
	return &pageResp{Response: resp, Body: string(body)}
}

func (b *browser) get(target string) *pageResp {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.base + target
	}
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([0-9a-f]+)"`)

// post submits a form with the CSRF token of the last page, like a browser
// on our own origin (Sec-Fetch-Site: same-origin).
func (b *browser) post(path string, form url.Values) *pageResp {
	b.t.Helper()
	form = cloneForm(form)
	if m := csrfRE.FindStringSubmatch(b.last); m != nil && !form.Has("csrf_token") {
		form.Set("csrf_token", m[1])
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// cookie returns the jar's cookie for path, or nil.
func (b *browser) cookie(path, name string) *http.Cookie {
	u, _ := url.Parse(b.base + path)
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// wantStatus fails unless p has status and, for redirects, location.
func wantStatus(t *testing.T, what string, p *pageResp, status int, location string) {
	t.Helper()
	if p.StatusCode != status {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, p.StatusCode, status, p.Body)
	}
	if location != "" {
		if got := p.Header.Get("Location"); got != location {
			t.Fatalf("%s: Location %q, want %q", what, got, location)
		}
	}
}

// wantSecurityHeaders checks the headers every portal page carries.
func wantSecurityHeaders(t *testing.T, what string, p *pageResp) {
	t.Helper()
	h := p.Header
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		want["Cache-Control"] = "no-store"
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("%s: CSP %q lacks %q", what, csp, d)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: CSP allows inline code: %q", what, csp)
	}
}
