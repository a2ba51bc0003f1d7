package webhooks_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/webhooks"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestMetrics scrapes /metrics around real deliveries: the backlog gauges
// (a store query at scrape time) before the engine starts and after it has
// drained, and the delivery counters for each outcome, the attempt
// histogram and the auto-disable counter.
func TestMetrics(t *testing.T) {
	forBackends(t, func(t *testing.T, e *env) {
		m := metrics.New()
		if err := m.RegisterWebhookBacklog(func(ctx context.Context) (int, time.Time, error) {
			return e.st.WebhookBacklog(ctx, 0)
		}); err != nil {
			t.Fatal(err)
		}
		eng, err := webhooks.New(webhooks.Config{
			DB: e.st.DB(), Dialect: e.st.Dialect(), Store: e.st,
			Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
			AllowPrivate: true, RetryBase: time.Millisecond, Workers: 8,
			Recorder: m,
		})
		if err != nil {
			t.Fatal(err)
		}
		e.st.SetWebhookQueue(eng)
		// A second endpoint nothing listens on: every attempt is
		// unreachable, and after WebhookFailureThreshold events it is
		// disabled.
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		e.mustEndpoint(t, dead.URL+"/hook")

		f := scrapeMetrics(t, m)
		mustMetric(t, f, "gatehouse_webhook_events_pending", nil, 0)
		mustMetric(t, f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil, 0)
		mustMetric(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "success"}, 0)

		first := &gatehouse.Customer{ID: gatehouse.NewID()}
		e.rcv.failFirst(first, 0, 1)
		e.mustCustomerID(t, first.ID)
		for range gatehouse.WebhookFailureThreshold - 1 {
			e.mustCustomer(t)
		}
		time.Sleep(20 * time.Millisecond)
		f = scrapeMetrics(t, m)
		events := 2 * gatehouse.WebhookFailureThreshold // two endpoints
		mustMetric(t, f, "gatehouse_webhook_events_pending", nil, float64(events))
		if age, _ := metricValue(f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil); age <= 0 || age > 60 {
			t.Errorf("oldest pending age: got %vs, want in (0, 60]", age)
		}

		start(t, eng)
		waitFor(t, "the backlog drained", func() bool {
			n, _, err := e.st.WebhookBacklog(context.Background(), 0)
			return err == nil && n == 0
		})
		unreachable := gatehouse.WebhookFailureThreshold * gatehouse.WebhookMaxAttempts
		waitFor(t, "every attempt and the disabled endpoint counted", func() bool {
			f := scrapeMetrics(t, m)
			v, _ := metricValue(f, "gatehouse_webhook_delivery_attempt", nil)
			d, _ := metricValue(f, "gatehouse_webhook_endpoints_disabled_total", nil)
			return v >= float64(gatehouse.WebhookFailureThreshold+1+unreachable) && d >= 1
		})
		f = scrapeMetrics(t, m)
		mustMetric(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "success"}, float64(gatehouse.WebhookFailureThreshold))
		mustMetric(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "failure"}, 1)
		mustMetric(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "unreachable"}, float64(unreachable))
		mustMetric(t, f, "gatehouse_webhook_delivery_attempt", nil, float64(gatehouse.WebhookFailureThreshold+1+unreachable))
		mustMetric(t, f, "gatehouse_webhook_endpoints_disabled_total", nil, 1)
		mustMetric(t, f, "gatehouse_webhook_events_pending", nil, 0)
		mustMetric(t, f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil, 0)
		// Every unreachable event went through all ten attempts: the
		// histogram's "le=1" bucket holds only the first attempts.
		if got := bucket(f, "gatehouse_webhook_delivery_attempt", 1); got != float64(events) {
			t.Errorf("attempt histogram le=1: got %v, want %d (one first attempt per event)", got, events)
		}
	})
}

func scrapeMetrics(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: got status %d, want 200", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metricValue returns the value of the first sample of name whose labels
// include want (a histogram's sample count).
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
next:
	for _, mt := range fams[name].GetMetric() {
		for k, v := range want {
			found := false
			for _, lp := range mt.GetLabel() {
				found = found || lp.GetName() == k && lp.GetValue() == v
			}
			if !found {
				continue next
			}
		}
		switch {
		case mt.Counter != nil:
			return mt.Counter.GetValue(), true
		case mt.Gauge != nil:
			return mt.Gauge.GetValue(), true
		case mt.Histogram != nil:
			return float64(mt.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func mustMetric(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := metricValue(fams, name, labels)
	if !ok {
		t.Fatalf("%s%v: missing from the scrape", name, labels)
	}
	if got != want {
		t.Errorf("%s%v: got %v, want %v", name, labels, got, want)
	}
}

// bucket returns the cumulative count of histogram name's bucket le.
func bucket(fams map[string]*dto.MetricFamily, name string, le float64) float64 {
	for _, mt := range fams[name].GetMetric() {
		for _, b := range mt.GetHistogram().GetBucket() {
			if b.GetUpperBound() == le {
				return float64(b.GetCumulativeCount())
			}
		}
	}
	return -1
}
