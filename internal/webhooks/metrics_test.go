package webhooks_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/metrics/metricstest"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/webhooks"
	dto "github.com/prometheus/client_model/go"
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

		f := metricstest.Scrape(t, m.Handler())
		metricstest.MustValue(t, f, "gatehouse_webhook_events_pending", nil, 0)
		metricstest.MustValue(t, f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil, 0)
		metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "success"}, 0)

		first := &gatehouse.Customer{ID: gatehouse.NewID()}
		e.rcv.failFirst(first, 0, 1)
		e.mustCustomerID(t, first.ID)
		for range gatehouse.WebhookFailureThreshold - 1 {
			e.mustCustomer(t)
		}
		time.Sleep(20 * time.Millisecond)
		f = metricstest.Scrape(t, m.Handler())
		events := 2 * gatehouse.WebhookFailureThreshold // two endpoints
		metricstest.MustValue(t, f, "gatehouse_webhook_events_pending", nil, float64(events))
		if age, _ := metricstest.Value(f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil); age <= 0 || age > 60 {
			t.Errorf("oldest pending age: got %vs, want in (0, 60]", age)
		}

		start(t, eng)
		waitFor(t, "the backlog drained", func() bool {
			n, _, err := e.st.WebhookBacklog(context.Background(), 0)
			return err == nil && n == 0
		})
		unreachable := gatehouse.WebhookFailureThreshold * gatehouse.WebhookMaxAttempts
		waitFor(t, "every attempt and the disabled endpoint counted", func() bool {
			f := metricstest.Scrape(t, m.Handler())
			v, _ := metricstest.Value(f, "gatehouse_webhook_delivery_attempt", nil)
			d, _ := metricstest.Value(f, "gatehouse_webhook_endpoints_disabled_total", nil)
			return v >= float64(gatehouse.WebhookFailureThreshold+1+unreachable) && d >= 1
		})
		f = metricstest.Scrape(t, m.Handler())
		metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "success"}, float64(gatehouse.WebhookFailureThreshold))
		metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "failure"}, 1)
		metricstest.MustValue(t, f, "gatehouse_webhook_deliveries_total", map[string]string{"outcome": "unreachable"}, float64(unreachable))
		metricstest.MustValue(t, f, "gatehouse_webhook_delivery_attempt", nil, float64(gatehouse.WebhookFailureThreshold+1+unreachable))
		metricstest.MustValue(t, f, "gatehouse_webhook_endpoints_disabled_total", nil, 1)
		metricstest.MustValue(t, f, "gatehouse_webhook_events_pending", nil, 0)
		metricstest.MustValue(t, f, "gatehouse_webhook_oldest_pending_event_age_seconds", nil, 0)
		// Every unreachable event went through all ten attempts: the
		// histogram's "le=1" bucket holds only the first attempts.
		if got := bucket(f, "gatehouse_webhook_delivery_attempt", 1); got != float64(events) {
			t.Errorf("attempt histogram le=1: got %v, want %d (one first attempt per event)", got, events)
		}
	})
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
