package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics/metricstest"

	_ "modernc.org/sqlite"
)

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "{}")
	})
	mux.HandleFunc("POST /v1/customers/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
	})
	return mux
}

func do(t *testing.T, h http.Handler, method, path string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code
}

func TestMiddlewareCountsByPattern(t *testing.T) {
	m := New()
	h := m.Middleware(newMux(), nil)
	for _, id := range []string{"a", "b", "c"} {
		if code := do(t, h, "GET", "/v1/customers/"+id); code != 200 {
			t.Fatalf("GET /v1/customers/%s: got %d, want 200", id, code)
		}
	}
	do(t, h, "POST", "/v1/customers/")
	do(t, h, "GET", "/nope")
	do(t, h, "BREW", "/v1/customers/x")

	f := metricstest.Scrape(t, m.Handler())
	get := map[string]string{"route": "GET /v1/customers/{id}", "method": "GET", "status": "200"}
	metricstest.MustValue(t, f, "gatehouse_http_requests_total", get, 3)
	metricstest.MustValue(t, f, "gatehouse_http_requests_total",
		map[string]string{"route": "POST /v1/customers/", "method": "POST", "status": "422"}, 1)
	metricstest.MustValue(t, f, "gatehouse_http_requests_total",
		map[string]string{"route": Unmatched, "method": "GET", "status": "404"}, 1)
	metricstest.MustValue(t, f, "gatehouse_http_requests_total",
		map[string]string{"route": Unmatched, "method": Other, "status": "405"}, 1)
	metricstest.MustValue(t, f, "gatehouse_http_request_duration_seconds",
		map[string]string{"route": "GET /v1/customers/{id}"}, 3)
	metricstest.MustValue(t, f, "gatehouse_http_requests_in_flight", nil, 0)
}

// TestRouteLabelBounded sends a thousand distinct unknown paths and checks
// the series count does not grow with them.
func TestRouteLabelBounded(t *testing.T) {
	m := New()
	h := m.Middleware(newMux(), nil)
	for i := range 1000 {
		do(t, h, "GET", fmt.Sprintf("/random/%d/path", i))
		do(t, h, "GET", fmt.Sprintf("/v1/customers/%d", i))
	}
	f := metricstest.Scrape(t, m.Handler())
	if n := len(f["gatehouse_http_requests_total"].GetMetric()); n != 2 {
		t.Errorf("requests_total series: got %d, want 2 (one route + unmatched)", n)
	}
	metricstest.MustValue(t, f, "gatehouse_http_requests_total", map[string]string{"route": Unmatched}, 1000)

	// A pattern function that leaks raw paths is capped too.
	m2 := New()
	h2 := m2.Middleware(newMux(), func(r *http.Request) string { return r.URL.Path })
	for i := range 1000 {
		do(t, h2, "GET", fmt.Sprintf("/v1/customers/%d", i))
	}
	f2 := metricstest.Scrape(t, m2.Handler())
	if n := len(f2["gatehouse_http_requests_total"].GetMetric()); n > maxLabelValues+1 {
		t.Errorf("requests_total series with a raw-path pattern func: got %d, want <= %d", n, maxLabelValues+1)
	}
}

func TestAllowPatterns(t *testing.T) {
	m := New()
	m.AllowPatterns("GET /v1/customers/{id}")
	h := m.Middleware(newMux(), nil)
	do(t, h, "GET", "/v1/customers/x")
	do(t, h, "POST", "/v1/customers/")
	f := metricstest.Scrape(t, m.Handler())
	metricstest.MustValue(t, f, "gatehouse_http_requests_total", map[string]string{"route": "GET /v1/customers/{id}"}, 1)
	metricstest.MustValue(t, f, "gatehouse_http_requests_total", map[string]string{"route": Unmatched, "status": "422"}, 1)
}

func TestMiddlewarePanicCountsAs500(t *testing.T) {
	m := New()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}), func(*http.Request) string { return "GET /boom" })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("middleware swallowed the panic; want it re-raised")
			}
		}()
		do(t, h, "GET", "/boom")
	}()
	metricstest.MustValue(t, metricstest.Scrape(t, m.Handler()), "gatehouse_http_requests_total",
		map[string]string{"route": "GET /boom", "status": "500"}, 1)
}

func TestTokenChecksAndRateLimits(t *testing.T) {
	m := New()
	f := metricstest.Scrape(t, m.Handler())
	for _, o := range Outcomes {
		metricstest.MustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": o}, 0)
	}
	m.TokenCheck(OutcomeOK)
	m.TokenCheck(OutcomeExpired)
	m.TokenCheck(OutcomeExpired)
	m.TokenCheck("gatehouse_cst_not-a-label")
	m.RateLimited("login_request")
	m.RateLimited("login_request")
	m.RateLimited("login_authenticate")
	var nilM *Metrics
	nilM.TokenCheck(OutcomeOK) // must not panic
	nilM.RateLimited("x")

	f = metricstest.Scrape(t, m.Handler())
	metricstest.MustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": OutcomeOK}, 1)
	metricstest.MustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": OutcomeExpired}, 2)
	metricstest.MustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": Other}, 1)
	metricstest.MustValue(t, f, "gatehouse_rate_limited_total", map[string]string{"endpoint": "login_request"}, 2)
	metricstest.MustValue(t, f, "gatehouse_rate_limited_total", map[string]string{"endpoint": "login_authenticate"}, 1)

	// A second Metrics shares nothing with the first.
	metricstest.MustValue(t, metricstest.Scrape(t, New().Handler()), "gatehouse_token_checks_total", map[string]string{"outcome": OutcomeOK}, 0)
}

func TestRegisterDB(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(3)
	m := New()
	if err := m.RegisterDB("write", db); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterDB("write", db); err == nil {
		t.Error("RegisterDB twice with one name: got nil error, want one")
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := metricstest.Scrape(t, m.Handler())
	w := map[string]string{"db": "write"}
	metricstest.MustValue(t, f, "gatehouse_db_max_open_connections", w, 3)
	metricstest.MustValue(t, f, "gatehouse_db_in_use_connections", w, 1)
	metricstest.MustValue(t, f, "gatehouse_db_open_connections", w, 1)
	conn.Close()
	f = metricstest.Scrape(t, m.Handler())
	metricstest.MustValue(t, f, "gatehouse_db_in_use_connections", w, 0)
	metricstest.MustValue(t, f, "gatehouse_db_idle_connections", w, 1)
}

func TestRegisterMailQueue(t *testing.T) {
	m := New()
	depth, sent := 0, int64(0)
	var depthErr error
	stats := func(context.Context) (int, int64, int64, int64, error) { return depth, sent, 2, 1, depthErr }
	if err := m.RegisterMailQueue(stats); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterMailQueue(stats); err == nil {
		t.Error("RegisterMailQueue twice: got nil error, want one")
	}
	depth, sent = 7, 40
	f := metricstest.Scrape(t, m.Handler())
	metricstest.MustValue(t, f, "gatehouse_mail_queue_depth", nil, 7)
	metricstest.MustValue(t, f, "gatehouse_mail_sent_total", nil, 40)
	metricstest.MustValue(t, f, "gatehouse_mail_failed_total", nil, 2)
	metricstest.MustValue(t, f, "gatehouse_mail_dropped_total", nil, 1)
	depthErr = errors.New("database is locked")
	f = metricstest.Scrape(t, m.Handler())
	if v, ok := metricstest.Value(f, "gatehouse_mail_queue_depth", nil); ok {
		t.Errorf("depth after a failed read: got %v, want the gauge left out", v)
	}
	metricstest.MustValue(t, f, "gatehouse_mail_sent_total", nil, 40)
}

func TestRuntimeAndProcessMetrics(t *testing.T) {
	f := metricstest.Scrape(t, New().Handler())
	if g, ok := metricstest.Value(f, "go_goroutines", nil); !ok || g < 1 {
		t.Errorf("go_goroutines: got %v (present %v), want >= 1", g, ok)
	}
	if rss, ok := metricstest.Value(f, "process_resident_memory_bytes", nil); !ok || rss <= 0 {
		t.Errorf("process_resident_memory_bytes: got %v (present %v), want > 0", rss, ok)
	}
}

func TestWebhookMetrics(t *testing.T) {
	m := New()
	f := metricstest.Scrape(t, m.Handler())
	for _, o := range []string{WebhookSuccess, WebhookFailure, WebhookUnreachable} {
		metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": o}, 0)
	}
	if _, ok := metricstest.Value(f, "gatehouse_webhook_events_pending", nil); ok {
		t.Error("gatehouse_webhook_events_pending present without a registered backlog")
	}
	m.WebhookDelivered(true, true, 1)
	m.WebhookDelivered(false, true, 1)
	m.WebhookDelivered(false, false, 2)
	m.WebhookDelivered(true, true, 3)
	m.WebhookEndpointDisabled()
	var nilM *Metrics
	nilM.WebhookDelivered(true, true, 1) // must not panic
	nilM.WebhookEndpointDisabled()

	pending, oldest, fail := 0, time.Time{}, false
	backlog := func(context.Context) (int, time.Time, error) {
		if fail {
			return 0, time.Time{}, errors.New("database is down")
		}
		return pending, oldest, nil
	}
	if err := m.RegisterWebhookBacklog(backlog); err != nil {
		t.Fatal(err)
	}
	if err := m.RegisterWebhookBacklog(backlog); err == nil {
		t.Error("RegisterWebhookBacklog twice: got nil error, want one")
	}
	f = metricstest.Scrape(t, m.Handler())
	metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookSuccess}, 2)
	metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookFailure}, 1)
	metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookUnreachable}, 1)
	metricstest.MustValue(t, f, "gatehouse_webhook_delivery_attempt", nil, 4)
	metricstest.MustValue(t, f, "gatehouse_webhook_endpoints_disabled_total", nil, 1)
	metricstest.MustValue(t, f, "gatehouse_webhook_events_pending", nil, 0)
	metricstest.MustValue(t, f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil, 0)

	pending, oldest = 12, time.Now().Add(-90*time.Second)
	f = metricstest.Scrape(t, m.Handler())
	metricstest.MustValue(t, f, "gatehouse_webhook_events_pending", nil, 12)
	if age, _ := metricstest.Value(f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil); age < 90 || age > 100 {
		t.Errorf("oldest pending age: got %v, want about 90", age)
	}

	fail = true
	f = metricstest.Scrape(t, m.Handler()) // a failed backlog query must not fail the scrape
	if _, ok := metricstest.Value(f, "gatehouse_webhook_events_pending", nil); ok {
		t.Error("gatehouse_webhook_events_pending present although its query failed")
	}
	metricstest.MustValue(t, f, "gatehouse_webhook_backlog_errors_total", nil, 1)
	metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookSuccess}, 2)
}
