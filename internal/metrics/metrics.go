// Package metrics exposes Gatehouse's operator metrics in the Prometheus
// text format: HTTP requests by route pattern, method and status with a
// latency histogram, token checks by outcome, rate-limit rejections,
// database pool statistics, the login-code mail and the webhook sender
// (deliveries by outcome, attempt numbers, auto-disabled endpoints, and
// the pending events with the age of the oldest).
//
// Every Metrics value has its own registry (no global state), so two
// servers in one process, or two tests, never share counters. Every label
// takes its values from a small closed set or from a capped set of route
// patterns, so a client sending random paths cannot grow the series count.
package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Token-check outcomes counted by TokenCheck. They match the "reason" of a
// 401 invalid_token answer, plus OutcomeOK for a token that worked.
const (
	OutcomeOK        = "ok"
	OutcomeExpired   = "expired"
	OutcomeRevoked   = "revoked"
	OutcomeUnknown   = "unknown"
	OutcomeMalformed = "malformed"
)

// Outcomes lists every token-check outcome label value.
var Outcomes = []string{OutcomeOK, OutcomeExpired, OutcomeRevoked, OutcomeUnknown, OutcomeMalformed}

// Label values used when an input falls outside the bounded set.
const (
	// Unmatched is the route label of a request no route took (404, 405,
	// redirects) and of any pattern beyond the cap.
	Unmatched = "unmatched"
	// Other is the label of an unexpected method, outcome or endpoint.
	Other = "other"
)

// maxLabelValues caps how many distinct route patterns and rate-limited
// endpoints are tracked; later ones are counted as Unmatched / Other. The
// route table has a few dozen entries, so the cap is only a safety net
// against a pattern function that returns raw paths.
const maxLabelValues = 200

// Metrics holds Gatehouse's collectors on a private registry. The zero
// value is not usable; call New. A nil *Metrics is valid and records
// nothing, so callers can keep metrics optional without branches.
type Metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	inFlight    prometheus.Gauge
	tokenChecks *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	db          *dbCollector
	webhooks    *webhookMetrics

	mu        sync.Mutex
	patterns  map[string]bool // route labels seen (or allowed) so far
	allowOnly bool            // patterns is an allow-list set by AllowPatterns
	endpoints map[string]bool
	mailSet   bool
	// backlogSet: RegisterWebhookBacklog was called.
	backlogSet bool
}

// New returns a Metrics with every Gatehouse collector, plus the Go runtime
// (go_goroutines, memory) and process (RSS, open fds) collectors, registered
// on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "Time from request start to handler return, by route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
		tokenChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_token_checks_total",
			Help: "Bearer-token checks by outcome: ok, expired, revoked, unknown, malformed.",
		}, []string{"outcome"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_rate_limited_total",
			Help: "Requests rejected with 429 by a rate limit, by endpoint.",
		}, []string{"endpoint"}),
		db:        newDBCollector(),
		webhooks:  newWebhookMetrics(),
		patterns:  map[string]bool{},
		endpoints: map[string]bool{},
	}
	for _, o := range Outcomes {
		m.tokenChecks.WithLabelValues(o) // present at 0 from the first scrape
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.tokenChecks, m.rateLimited, m.db)
	m.reg.MustRegister(m.webhooks.collectors()...)
	m.reg.MustRegister(collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the private registry, for callers that add their own
// collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text (or OpenMetrics)
// exposition format. Mount it at GET /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // counts its own scrape errors
		EnableOpenMetrics: true,
	})
}

// TokenCheck counts one bearer-token check. outcome is one of Outcomes;
// anything else is counted as Other.
func (m *Metrics) TokenCheck(outcome string) {
	if m == nil {
		return
	}
	switch outcome {
	case OutcomeOK, OutcomeExpired, OutcomeRevoked, OutcomeUnknown, OutcomeMalformed:
	default:
		outcome = Other
	}
	m.tokenChecks.WithLabelValues(outcome).Inc()
}

// RateLimited counts one request rejected by a rate limit on endpoint (a
// short fixed name such as "login_request" or a route pattern, never a raw
// path or client value). Past maxLabelValues distinct endpoints, the rest
// are counted as Other.
func (m *Metrics) RateLimited(endpoint string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	if !m.endpoints[endpoint] {
		if len(m.endpoints) >= maxLabelValues {
			endpoint = Other
		} else {
			m.endpoints[endpoint] = true
		}
	}
	m.mu.Unlock()
	m.rateLimited.WithLabelValues(endpoint).Inc()
}

// AllowPatterns restricts the route label to these patterns (for example
// every "METHOD /path" of the route table); any other value is counted as
// Unmatched. Without it, the first maxLabelValues distinct patterns are
// kept as they come.
func (m *Metrics) AllowPatterns(patterns ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allowOnly = true
	m.patterns = make(map[string]bool, len(patterns))
	for _, p := range patterns {
		m.patterns[p] = true
	}
}

// routeLabel bounds a pattern to a known or capped set.
func (m *Metrics) routeLabel(p string) string {
	if p == "" {
		return Unmatched
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.patterns[p] {
		return p
	}
	if m.allowOnly || len(m.patterns) >= maxLabelValues {
		return Unmatched
	}
	m.patterns[p] = true
	return p
}
