package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	_ "modernc.org/sqlite"
)

// scrape fetches m's handler and parses the text exposition format.
func scrape(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: got status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: got Content-Type %q, want text/plain", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels include
// want, and whether it exists. Histograms give their sample count.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, mt := range f.GetMetric() {
		got := map[string]string{}
		for _, lp := range mt.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case mt.Counter != nil:
			return mt.Counter.GetValue(), true
		case mt.Gauge != nil:
			return mt.Gauge.GetValue(), true
		case mt.Untyped != nil:
			return mt.Untyped.GetValue(), true
		case mt.Histogram != nil:
			return float64(mt.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func mustValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := value(fams, name, labels)
	if !ok {
		t.Fatalf("%s%v: missing from the scrape", name, labels)
	}
	if got != want {
		t.Errorf("%s%v: got %v, want %v", name, labels, got, want)
	}
}

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

	f := scrape(t, m)
	get := map[string]string{"route": "GET /v1/customers/{id}", "method": "GET", "status": "200"}
	mustValue(t, f, "gatehouse_http_requests_total", get, 3)
	mustValue(t, f, "gatehouse_http_requests_total",
		map[string]string{"route": "POST /v1/customers/", "method": "POST", "status": "422"}, 1)
	mustValue(t, f, "gatehouse_http_requests_total",
		map[string]string{"route": Unmatched, "method": "GET", "status": "404"}, 1)
	mustValue(t, f, "gatehouse_http_requests_total",
		map[string]string{"route": Unmatched, "method": Other, "status": "405"}, 1)
	mustValue(t, f, "gatehouse_http_request_duration_seconds",
		map[string]string{"route": "GET /v1/customers/{id}"}, 3)
	mustValue(t, f, "gatehouse_http_requests_in_flight", nil, 0)
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
	f := scrape(t, m)
	if n := len(f["gatehouse_http_requests_total"].GetMetric()); n != 2 {
		t.Errorf("requests_total series: got %d, want 2 (one route + unmatched)", n)
	}
	mustValue(t, f, "gatehouse_http_requests_total", map[string]string{"route": Unmatched}, 1000)

	// A pattern function that leaks raw paths is capped too.
	m2 := New()
	h2 := m2.Middleware(newMux(), func(r *http.Request) string { return r.URL.Path })
	for i := range 1000 {
		do(t, h2, "GET", fmt.Sprintf("/v1/customers/%d", i))
	}
	f2 := scrape(t, m2)
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
	f := scrape(t, m)
	mustValue(t, f, "gatehouse_http_requests_total", map[string]string{"route": "GET /v1/customers/{id}"}, 1)
	mustValue(t, f, "gatehouse_http_requests_total", map[string]string{"route": Unmatched, "status": "422"}, 1)
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
	mustValue(t, scrape(t, m), "gatehouse_http_requests_total",
		map[string]string{"route": "GET /boom", "status": "500"}, 1)
}

func TestTokenChecksAndRateLimits(t *testing.T) {
	m := New()
	f := scrape(t, m)
	for _, o := range Outcomes {
		mustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": o}, 0)
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

	f = scrape(t, m)
	mustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": OutcomeOK}, 1)
	mustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": OutcomeExpired}, 2)
	mustValue(t, f, "gatehouse_token_checks_total", map[string]string{"outcome": Other}, 1)
	mustValue(t, f, "gatehouse_rate_limited_total", map[string]string{"endpoint": "login_request"}, 2)
	mustValue(t, f, "gatehouse_rate_limited_total", map[string]string{"endpoint": "login_authenticate"}, 1)

	// A second Metrics shares nothing with the first.
	mustValue(t, scrape(t, New()), "gatehouse_token_checks_total", map[string]string{"outcome": OutcomeOK}, 0)
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
	f := scrape(t, m)
	w := map[string]string{"db": "write"}
	mustValue(t, f, "gatehouse_db_max_open_connections", w, 3)
	mustValue(t, f, "gatehouse_db_in_use_connections", w, 1)
	mustValue(t, f, "gatehouse_db_open_connections", w, 1)
	conn.Close()
	f = scrape(t, m)
	mustValue(t, f, "gatehouse_db_in_use_connections", w, 0)
	mustValue(t, f, "gatehouse_db_idle_connections", w, 1)
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
	f := scrape(t, m)
	mustValue(t, f, "gatehouse_mail_queue_depth", nil, 7)
	mustValue(t, f, "gatehouse_mail_sent_total", nil, 40)
	mustValue(t, f, "gatehouse_mail_failed_total", nil, 2)
	mustValue(t, f, "gatehouse_mail_dropped_total", nil, 1)
	depthErr = errors.New("database is locked")
	f = scrape(t, m)
	if v, ok := value(f, "gatehouse_mail_queue_depth", nil); ok {
		t.Errorf("depth after a failed read: got %v, want the gauge left out", v)
	}
	mustValue(t, f, "gatehouse_mail_sent_total", nil, 40)
}

func TestRuntimeAndProcessMetrics(t *testing.T) {
	f := scrape(t, New())
	if g, ok := value(f, "go_goroutines", nil); !ok || g < 1 {
		t.Errorf("go_goroutines: got %v (present %v), want >= 1", g, ok)
	}
	if rss, ok := value(f, "process_resident_memory_bytes", nil); !ok || rss <= 0 {
		t.Errorf("process_resident_memory_bytes: got %v (present %v), want > 0", rss, ok)
	}
}

func TestWebhookMetrics(t *testing.T) {
	m := New()
	f := scrape(t, m)
	for _, o := range []string{WebhookSuccess, WebhookFailure, WebhookUnreachable} {
		mustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": o}, 0)
	}
	if _, ok := value(f, "gatehouse_webhook_events_pending", nil); ok {
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
	f = scrape(t, m)
	mustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookSuccess}, 2)
	mustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookFailure}, 1)
	mustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookUnreachable}, 1)
	mustValue(t, f, "gatehouse_webhook_delivery_attempt", nil, 4)
	mustValue(t, f, "gatehouse_webhook_endpoints_disabled_total", nil, 1)
	mustValue(t, f, "gatehouse_webhook_events_pending", nil, 0)
	mustValue(t, f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil, 0)

	pending, oldest = 12, time.Now().Add(-90*time.Second)
	f = scrape(t, m)
	mustValue(t, f, "gatehouse_webhook_events_pending", nil, 12)
	if age, _ := value(f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil); age < 90 || age > 100 {
		t.Errorf("oldest pending age: got %v, want about 90", age)
	}

	fail = true
	f = scrape(t, m) // a failed backlog query must not fail the scrape
	if _, ok := value(f, "gatehouse_webhook_events_pending", nil); ok {
		t.Error("gatehouse_webhook_events_pending present although its query failed")
	}
	mustValue(t, f, "gatehouse_webhook_backlog_errors_total", nil, 1)
	mustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": WebhookSuccess}, 2)
}
