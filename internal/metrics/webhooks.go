package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Webhook delivery outcomes, the values of the outcome label of
// gatehouse_webhook_deliveries_total.
const (
	// WebhookSuccess: the receiver answered 2xx.
	WebhookSuccess = "success"
	// WebhookFailure: the receiver answered, with another status.
	WebhookFailure = "failure"
	// WebhookUnreachable: no HTTP answer (connection refused, TLS,
	// timeout, an address the SSRF rule refuses, an archived payload).
	WebhookUnreachable = "unreachable"
)

// webhookMetrics are the sender's counters; the backlog gauges are read
// at scrape time (RegisterWebhookBacklog).
type webhookMetrics struct {
	deliveries *prometheus.CounterVec
	attempts   prometheus.Histogram
	disabled   prometheus.Counter
}

func newWebhookMetrics() *webhookMetrics {
	w := &webhookMetrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_webhook_deliveries_total",
			Help: "Webhook delivery attempts by outcome: success (2xx), failure (another status), unreachable (no HTTP answer).",
		}, []string{"outcome"}),
		attempts: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "gatehouse_webhook_delivery_attempt",
			Help: "Attempt number of each webhook delivery (1: first try; 10: Polar's last).",
			// One bucket per attempt of Polar's ten; redeliveries go past them.
			Buckets: prometheus.LinearBuckets(1, 1, 10),
		}),
		disabled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_webhook_endpoints_disabled_total",
			Help: "Webhook endpoints disabled automatically because their latest events all failed.",
		}),
	}
	for _, o := range []string{WebhookSuccess, WebhookFailure, WebhookUnreachable} {
		w.deliveries.WithLabelValues(o) // present at 0 from the first scrape
	}
	return w
}

func (w *webhookMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{w.deliveries, w.attempts, w.disabled}
}

// WebhookDelivered counts one delivery attempt: succeeded (a 2xx),
// answered (the receiver gave an HTTP status at all) and its attempt
// number (1 for an event's first delivery). It implements the webhook
// sender's recorder.
func (m *Metrics) WebhookDelivered(succeeded, answered bool, attempt int) {
	if m == nil {
		return
	}
	outcome := WebhookUnreachable
	switch {
	case succeeded:
		outcome = WebhookSuccess
	case answered:
		outcome = WebhookFailure
	}
	m.webhooks.deliveries.WithLabelValues(outcome).Inc()
	m.webhooks.attempts.Observe(float64(attempt))
}

// WebhookEndpointDisabled counts one endpoint disabled automatically.
func (m *Metrics) WebhookEndpointDisabled() {
	if m == nil {
		return
	}
	m.webhooks.disabled.Inc()
}

// WebhookBacklog returns the pending webhook events (not finished, not
// skipped) and the creation time of the oldest (zero: none), as
// (*sqlstore.Store).WebhookBacklog does.
type WebhookBacklog func(ctx context.Context) (pending int, oldest time.Time, err error)

// backlogTimeout bounds the backlog query of one scrape: a scrape must
// answer even when the database is slow (the gauges are then missing and
// gatehouse_webhook_backlog_errors_total moves).
const backlogTimeout = 2 * time.Second

// backlogCollector reports a WebhookBacklog at scrape time.
type backlogCollector struct {
	backlog         WebhookBacklog
	now             func() time.Time
	pending, oldest *prometheus.Desc
	errors          prometheus.Counter
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.oldest
	c.errors.Describe(ch)
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	pending, oldest, err := c.backlog(ctx)
	if err != nil {
		c.errors.Inc()
	} else {
		age := 0.0
		if !oldest.IsZero() {
			age = max(0, c.now().Sub(oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(pending))
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	}
	c.errors.Collect(ch)
}

// RegisterWebhookBacklog reports the webhook backlog, read through
// backlog at each scrape: gatehouse_webhook_events_pending and
// gatehouse_webhook_oldest_pending_event_age_seconds (0 when nothing is
// pending). A failed read leaves both out of that scrape and counts
// gatehouse_webhook_backlog_errors_total. Only one backlog can be
// registered.
func (m *Metrics) RegisterWebhookBacklog(backlog WebhookBacklog) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.backlogSet {
		return fmt.Errorf("register webhook backlog: already registered")
	}
	c := &backlogCollector{
		backlog: backlog,
		now:     time.Now,
		pending: prometheus.NewDesc("gatehouse_webhook_events_pending",
			"Webhook events not yet delivered or given up (queued, retrying or waiting for an earlier event of their customer); counted up to 100,000.", nil, nil),
		oldest: prometheus.NewDesc("gatehouse_webhook_oldest_pending_event_age_seconds",
			"Age of the oldest pending webhook event (0: none pending).", nil, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_webhook_backlog_errors_total",
			Help: "Scrapes whose webhook backlog query failed (the backlog gauges are missing from them).",
		}),
	}
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("register webhook backlog: %w", err)
	}
	m.backlogSet = true
	return nil
}
