package e2e

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

var metricsAddrRE = regexp.MustCompile(`msg="serving metrics" metrics_addr=(\S+)`)

// TestMetrics scrapes GET /metrics in both --metrics-addr modes: on the
// main listener (--metrics-addr equal to --addr, SQLite) and on a listener
// of its own (PostgreSQL), and checks that request counters and token-check
// outcomes move with traffic.
func TestMetrics(t *testing.T) {
	modes := []struct {
		be       backend
		separate bool
	}{{backends[0], false}, {backends[1], true}}
	for _, m := range modes {
		name := m.be.name + "/main listener"
		if m.separate {
			name = m.be.name + "/own listener"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t, m.be)
			args := []string{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"}
			if m.separate {
				args[len(args)-1] = "localhost:0"
			}
			srv := d.MustServe(t, args...)
			mm := metricsAddrRE.FindStringSubmatch(srv.Log().String())
			if mm == nil {
				t.Fatalf("no metrics address in the log:\n%s", srv.Log())
			}
			metricsURL := "http://" + mm[1] + "/metrics"
			if got := strings.TrimPrefix(srv.URL, "http://"); (got == mm[1]) == m.separate {
				t.Fatalf("metrics on %s, API on %s: separate=%v expected", mm[1], got, m.separate)
			}
			if m.separate {
				// The main listener has no /metrics: the API's JSON 404.
				resp, err := http.Get(srv.URL + "/metrics")
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET /metrics on the API listener: got %d, want 404", resp.StatusCode)
				}
			}
			testMetricsMove(t, d, srv, metricsURL)
		})
	}
}

func testMetricsMove(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server, metricsURL string) {
	ctx := context.Background()
	acme := d.MustOrg(t, "Acme Inc", "acme")
	c := client.New(srv.URL, client.WithToken(acme.Token))
	cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("metrics")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	d.Hide(s.Token)

	meOK := `gatehouse_http_requests_total{method="GET",route="GET /v1/customer-portal/customers/me",status="200"}`
	me401 := `gatehouse_http_requests_total{method="GET",route="GET /v1/customer-portal/customers/me",status="401"}`
	ok, revoked, malformed := `gatehouse_token_checks_total{outcome="ok"}`, `gatehouse_token_checks_total{outcome="revoked"}`, `gatehouse_token_checks_total{outcome="malformed"}`
	before := scrape(t, metricsURL)
	// The webhook sender's series are wired in: the backlog gauges (a
	// store query at scrape time) and the delivery counters at 0.
	webhookSeries := []string{"gatehouse_webhook_events_pending", "gatehouse_webhook_oldest_pending_event_age_seconds",
		`gatehouse_webhook_deliveries_total{outcome="success"}`, `gatehouse_webhook_deliveries_total{outcome="unreachable"}`,
		"gatehouse_webhook_endpoints_disabled_total", "gatehouse_webhook_delivery_attempt_count"}
	for _, series := range append([]string{ok, revoked, malformed, "gatehouse_mail_queue_depth", "gatehouse_http_requests_in_flight"}, webhookSeries...) {
		if _, found := before[series]; !found {
			t.Errorf("first scrape lacks %s", series)
		}
	}
	if !hasPrefix(before, "gatehouse_db_open_connections{") {
		t.Errorf("first scrape has no database pool series")
	}

	pc := c.As(s.Token)
	for range 3 {
		if _, err := pc.PortalMe(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = c.As("gatehouse_cst_bogus").PortalMe(ctx)
	if err := c.RevokeCustomerSession(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	_, _ = pc.PortalMe(ctx)
	after := scrape(t, metricsURL)

	for _, w := range []struct {
		series string
		delta  float64
	}{{meOK, 3}, {me401, 2}, {ok, 3}, {revoked, 1}, {malformed, 1}} {
		if got := after[w.series] - before[w.series]; got < w.delta {
			t.Errorf("%s moved by %v, want at least %v", w.series, got, w.delta)
		}
	}
	for series := range after {
		if strings.Contains(series, "gatehouse_cst_") || strings.Contains(series, cu.ID) {
			t.Errorf("a metric label carries a client value: %s", series)
		}
	}
}

// scrape reads a Prometheus text exposition into series → value.
func scrape(t *testing.T, u string) map[string]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: %d\n%s", u, resp.StatusCode, b)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("scrape %s: bad line %q", u, line)
		}
		out[line[:i]] = v
	}
	return out
}

func hasPrefix(m map[string]float64, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
