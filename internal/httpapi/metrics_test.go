package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/token"
)

// scrape returns the metrics text exposition.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("scrape: %d", w.Code)
	}
	return w.Body.String()
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	m := metrics.New()
	e.srv = e.newServer(func(c *Config) { c.Metrics = m })
	e.handler = m.Middleware(e.srv, nil) // as cmd wraps it
	sessID := mustSessionID(t, e, e.tok["cst"])
	e.tok["unknown"] = token.New(token.PrefixSession)
	e.tok["bad"] = tamper(e.tok["cst"])
	e.do("GET", "/v1/customer-portal/customers/me", "cst", "")
	e.do("GET", "/v1/customer-sessions/"+sessID, "A", "")
	e.do("GET", "/v1/customer-portal/customers/me", "unknown", "")
	e.do("GET", "/v1/customer-portal/customers/me", "bad", "")
	e.do("DELETE", "/v1/customer-sessions/"+sessID, "A", "")
	e.do("GET", "/v1/customer-portal/customers/me", "cst", "")
	e.do("GET", "/api/v1/customer-sessions/"+sessID, "A", "")
	e.do("GET", "/no/such/path/"+sessID, "", "")
	for range 7 {
		e.do("POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"AAAAAA"}`)
	}
	out := scrape(t, m)
	for _, want := range []string{
		`gatehouse_token_checks_total{outcome="ok"} 4`, // me, get, delete, /api get
		`gatehouse_token_checks_total{outcome="revoked"} 1`,
		`gatehouse_token_checks_total{outcome="unknown"} 1`,
		`gatehouse_token_checks_total{outcome="malformed"} 1`,
		`gatehouse_rate_limited_total{endpoint="login_authenticate"} 1`,
		`gatehouse_http_requests_total{method="GET",route="GET /v1/customer-sessions/{id}",status="200"} 2`,
		`gatehouse_http_requests_total{method="DELETE",route="DELETE /v1/customer-sessions/{id}",status="204"} 1`,
		`gatehouse_http_requests_total{method="POST",route="POST /v1/customer-portal/customer-session/authenticate",status="429"} 1`,
		`gatehouse_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(out, sessID) {
		t.Error("a raw path became a label")
	}
}

// TestNoMetricsNoAllocs: with Metrics nil, the hooks cost no allocation.
func TestNoMetricsNoAllocs(t *testing.T) {
	var m *metrics.Metrics
	if n := testing.AllocsPerRun(100, func() {
		m.TokenCheck(metrics.OutcomeOK)
		m.RateLimited("login_request")
	}); n != 0 {
		t.Errorf("nil metrics hooks: %v allocs, want 0", n)
	}
	e := newEnv(t)
	if h := m.Middleware(e.srv, nil); h != http.Handler(e.srv) {
		t.Errorf("nil metrics wrap the server: got %T, want the *Server itself", h)
	}
	r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
	bad := tamper(e.tok["cst"])
	parse := testing.AllocsPerRun(100, func() { token.Parse(bad) })
	if n := testing.AllocsPerRun(100, func() {
		sub, reason, err := e.srv.lookup(r, bad)
		if sub != nil || reason == "" || err != nil {
			t.Fatal("tampered token accepted")
		}
	}); n != parse {
		t.Errorf("malformed token check: %v allocs, want token.Parse's %v", n, parse)
	}
}
