package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

func TestBearerParsing(t *testing.T) {
	tests := []struct {
		header string
		want   string
		ok     bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"BEARER abc def", "abc def", true},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic abc", "", false},
		{"Bearer t\u00f6k", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := bearer(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("bearer(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func tamper(tok string) string {
	b := []byte(tok)
	if b[len(b)-1] == 'A' {
		b[len(b)-1] = 'B'
	} else {
		b[len(b)-1] = 'A'
	}
	return string(b)
}

func TestTokenFailures(t *testing.T) {
	e := newEnv(t)
	past := e.clock.Now().Add(-time.Second)
	e.tok["expiredOAT"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomersRead}, &past)
	e.tok["revokedOAT"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomersRead}, nil)
	at, err := e.store.AccessTokenByHash(t.Context(), e.hasher.Hashes(e.tok["revokedOAT"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RevokeAccessToken(t.Context(), at.ID, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.tok["revokedCST"] = e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	e.tok["unknownCST"] = token.New(token.PrefixSession)
	e.tok["unknownOAT"] = token.New(token.PrefixOrganization)
	e.tok["tamperedOAT"] = tamper(e.tok["A"])
	e.tok["tamperedCST"] = tamper(e.tok["cst"])
	sessID := mustSessionID(t, e, e.tok["revokedCST"])
	if err := e.store.RevokeSession(t.Context(), e.orgA.ID, sessID, gatehouse.RevokedByMerchant, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, tok, reason string }{
		{"/v1/customers/", "expiredOAT", "expired"},
		{"/v1/customers/", "revokedOAT", "revoked"},
		{"/v1/customers/", "unknownOAT", "unknown"},
		{"/v1/customers/", "tamperedOAT", "malformed"},
		{"/v1/customers/", "raw:Bearer sk_live_whatever", "malformed"},
		{"/v1/customer-portal/customers/me", "revokedCST", "revoked"},
		{"/v1/customer-portal/customers/me", "unknownCST", "unknown"},
		{"/v1/customer-portal/customers/me", "tamperedCST", "malformed"},
		{"/v1/customer-portal/organizations/acme", "unknownCST", "unknown"},
		{"/healthz", "tamperedOAT", "malformed"},
	}
	check := func(path, tok, reason string) {
		t.Helper()
		w := e.do("GET", path, tok, "")
		if w.Code != 401 || w.Header().Get("WWW-Authenticate") != invalidTokenWWW {
			t.Errorf("GET %s with %s: %d %q", path, tok, w.Code, w.Header().Get("WWW-Authenticate"))
		}
		checkJSONBody(t, w.Body.Bytes(), `{"error":"invalid_token","reason":"`+reason+`"}`)
	}
	for _, c := range cases {
		check(c.path, c.tok, c.reason)
	}
	e.clock.Add(time.Hour)
	check("/v1/customer-portal/customers/me", "cst", "expired")

	// A token failing its checksum never reaches the database: with the
	// database closed, it is still a 401, while a well-formed one is a 5xx.
	e.store.(interface{ Close() error }).Close()
	check("/v1/customers/", "tamperedOAT", "malformed")
	if w := e.do("GET", "/v1/customers/", "A", ""); w.Code < 500 || strings.Contains(w.Body.String(), "sql") {
		t.Errorf("closed database: %d %s, want a 5xx envelope without internals", w.Code, w.Body)
	}
	if w := e.do("GET", "/readyz", "", ""); w.Code != 503 {
		t.Errorf("readyz with closed database: %d", w.Code)
	}
	if w := e.do("GET", "/healthz", "", ""); w.Code != 200 {
		t.Errorf("healthz: %d", w.Code)
	}
}

func mustSessionID(t *testing.T, e *env, tok string) string {
	t.Helper()
	s, _, err := e.store.SessionByHash(t.Context(), e.hasher.Hashes(tok))
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	return s.ID
}

func TestSecretRotation(t *testing.T) {
	e := newEnv(t)
	rotated := e.newServer(func(c *Config) { c.Hasher = token.NewHasher("new secret", "test secret") })
	r, _ := http.NewRequestWithContext(context.Background(), "GET", "/v1/customer-portal/customers/me", nil)
	r.Header.Set("Authorization", "Bearer "+e.tok["cst"])
	w := &recordWriter{header: http.Header{}}
	rotated.ServeHTTP(w, r)
	if w.status != 200 {
		t.Errorf("token under the previous secret: %d, want 200", w.status)
	}
}

// recordWriter is a minimal ResponseWriter (httptest.ResponseRecorder
// without its allocations, for the benchmarks too).
type recordWriter struct {
	header http.Header
	status int
	n      int
}

func (w *recordWriter) Header() http.Header { return w.header }
func (w *recordWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += len(b)
	return len(b), nil
}
func (w *recordWriter) WriteHeader(code int) { w.status = code }

// TestAuthorizationMatrix checks every route of Routes(): no token and a
// token of the wrong kind are 401 Unauthorized, a token without any of the
// route's scopes is 403 with those scopes in WWW-Authenticate.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	e.tok["noscope"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomerPortalRead}, nil)
	path := strings.NewReplacer("{id}", e.vars["{a1}"], "{external_id}", "usr_1", "{slug}", "acme")
	routes := e.srv.Routes()
	if len(routes) < 28 {
		t.Fatalf("Routes() has %d routes, want at least 28", len(routes))
	}
	for _, want := range []string{"GET /v1/customer-sessions/", "GET /v1/customer-sessions/{id}", "DELETE /v1/customer-sessions/{id}",
		"POST /v1/customer-sessions/revoke", "DELETE /v1/customer-portal/customer-session", "GET /openapi.json",
		"POST /v1/customer-portal/customer-session/request", "POST /v1/customer-portal/customer-session/authenticate",
		"POST " + secretScanPattern, "GET /v1/webhooks/endpoints", "POST /v1/webhooks/endpoints", "GET /v1/webhooks/endpoints/{id}",
		"PATCH /v1/webhooks/endpoints/{id}", "DELETE /v1/webhooks/endpoints/{id}", "PATCH /v1/webhooks/endpoints/{id}/secret",
		"GET /v1/webhooks/deliveries", "POST /v1/webhooks/events/{id}/redeliver"} {
		if !slices.ContainsFunc(routes, func(rt RouteInfo) bool { return rt.Method+" "+rt.Pattern == want }) {
			t.Errorf("Routes() lacks %s", want)
		}
	}
	for _, rt := range routes {
		p := path.Replace(rt.Pattern)
		body := ""
		if rt.Method == "POST" || rt.Method == "PATCH" {
			body = "{}"
		}
		switch rt.Auth {
		case AuthNone:
			if w := e.do(rt.Method, p, "", body); w.Code == 401 || w.Code == 403 {
				t.Errorf("%s %s anonymous: %d", rt.Method, p, w.Code)
			}
			continue
		case AuthOrganization:
			if w := e.do(rt.Method, p, "cst", body); w.Code != 401 || !strings.Contains(w.Body.String(), `"Unauthorized"`) {
				t.Errorf("%s %s with a session: %d %s", rt.Method, p, w.Code, w.Body)
			}
			// customer_sessions:read passes exactly the routes that list it.
			if w, reads := e.do(rt.Method, p, "Asread", body), slices.Contains(rt.Scopes, gatehouse.ScopeCustomerSessionsRead); reads == (w.Code == 403) {
				t.Errorf("%s %s with customer_sessions:read: %d (route scopes %v)", rt.Method, p, w.Code, rt.Scopes)
			}
			// webhooks:read passes exactly the routes that list it, and
			// reaches no other organization route.
			if w, reads := e.do(rt.Method, p, "Wread", body), slices.Contains(rt.Scopes, gatehouse.ScopeWebhooksRead); reads == (w.Code == 403) {
				t.Errorf("%s %s with webhooks:read: %d (route scopes %v)", rt.Method, p, w.Code, rt.Scopes)
			}
			w := e.do(rt.Method, p, "noscope", body)
			for _, sc := range rt.Scopes {
				if w.Code != 403 || !strings.Contains(w.Header().Get("WWW-Authenticate"), string(sc)) {
					t.Errorf("%s %s without scope: %d %q", rt.Method, p, w.Code, w.Header().Get("WWW-Authenticate"))
				}
			}
		case AuthCustomer:
			if w := e.do(rt.Method, p, "A", body); w.Code != 401 {
				t.Errorf("%s %s with an OAT: %d", rt.Method, p, w.Code)
			}
			if !slices.Contains(rt.Scopes, gatehouse.ScopeCustomerPortalWrite) {
				t.Errorf("%s %s: sessions carry customer_portal:write, route accepts %v", rt.Method, p, rt.Scopes)
			}
		}
		if w := e.do(rt.Method, p, "", body); w.Code != 401 || w.Header().Get("WWW-Authenticate") != unauthorizedWWW {
			t.Errorf("%s %s anonymous: %d", rt.Method, p, w.Code)
		}
	}
}
