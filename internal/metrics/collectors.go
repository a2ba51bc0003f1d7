package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// dbCollector reports database/sql pool statistics of every registered
// pool at scrape time, labelled by pool name.
type dbCollector struct {
	mu  sync.Mutex
	dbs map[string]*sql.DB

	maxOpen, open, inUse, idle *prometheus.Desc
	waitCount, waitSeconds     *prometheus.Desc
	idleClosed, idleTimeClosed *prometheus.Desc
	lifetimeClosed             *prometheus.Desc
}

func newDBCollector() *dbCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("gatehouse_db_"+name, help, []string{"db"}, nil)
	}
	return &dbCollector{
		dbs:            map[string]*sql.DB{},
		maxOpen:        d("max_open_connections", "Maximum number of open connections allowed (0: unlimited)."),
		open:           d("open_connections", "Open connections, in use and idle."),
		inUse:          d("in_use_connections", "Connections in use."),
		idle:           d("idle_connections", "Idle connections."),
		waitCount:      d("wait_count_total", "Times a query waited for a free connection."),
		waitSeconds:    d("wait_duration_seconds_total", "Total time spent waiting for a free connection."),
		idleClosed:     d("max_idle_closed_total", "Connections closed because of the idle pool size."),
		idleTimeClosed: d("max_idle_time_closed_total", "Connections closed because they were idle too long."),
		lifetimeClosed: d("max_lifetime_closed_total", "Connections closed because they reached their maximum lifetime."),
	}
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxOpen, c.open, c.inUse, c.idle, c.waitCount,
		c.waitSeconds, c.idleClosed, c.idleTimeClosed, c.lifetimeClosed} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	names := make([]string, 0, len(c.dbs))
	for n := range c.dbs {
		names = append(names, n)
	}
	sort.Strings(names)
	dbs := make([]*sql.DB, len(names))
	for i, n := range names {
		dbs[i] = c.dbs[n]
	}
	c.mu.Unlock()
	for i, db := range dbs {
		s, n := db.Stats(), names[i]
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, n)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, n)
		}
		gauge(c.maxOpen, float64(s.MaxOpenConnections))
		gauge(c.open, float64(s.OpenConnections))
		gauge(c.inUse, float64(s.InUse))
		gauge(c.idle, float64(s.Idle))
		counter(c.waitCount, float64(s.WaitCount))
		counter(c.waitSeconds, s.WaitDuration.Seconds())
		counter(c.idleClosed, float64(s.MaxIdleClosed))
		counter(c.idleTimeClosed, float64(s.MaxIdleTimeClosed))
		counter(c.lifetimeClosed, float64(s.MaxLifetimeClosed))
	}
}

// RegisterDB adds the statistics of pool db under the label db=name (for
// example "write" and "read" for SQLite's two pools, "main" on
// PostgreSQL). Registering the same name twice is an error.
func (m *Metrics) RegisterDB(name string, db *sql.DB) error {
	m.db.mu.Lock()
	defer m.db.mu.Unlock()
	if _, ok := m.db.dbs[name]; ok {
		return fmt.Errorf("register database pool %q: already registered", name)
	}
	m.db.dbs[name] = db
	return nil
}

// MailStats returns the login-code mail's figures: the requests waiting
// to be sent (depth) and its counters since start: mails sent, requests
// given up (after retries or a permanent failure) and requests refused
// (they could not be queued). A failed depth read returns an error; the
// counters are still reported.
type MailStats func(ctx context.Context) (depth int, sent, failed, dropped int64, err error)

// mailCollector reports the login-code mail through a MailStats func.
type mailCollector struct {
	stats                        MailStats
	depth, sent, failed, dropped *prometheus.Desc
}

func (c *mailCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.sent
	ch <- c.failed
	ch <- c.dropped
}

func (c *mailCollector) Collect(ch chan<- prometheus.Metric) {
	// The depth is a database query: bounded like the webhook backlog's.
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	depth, sent, failed, dropped, err := c.stats(ctx)
	if err == nil {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(depth))
	}
	ch <- prometheus.MustNewConstMetric(c.sent, prometheus.CounterValue, float64(sent))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(failed))
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(dropped))
}

// RegisterMailQueue reports the login-code mail: gatehouse_mail_queue_depth
// and gatehouse_mail_{sent,failed,dropped}_total, read from stats at each
// scrape (a failed depth read leaves the gauge out of that scrape). Only
// one can be registered.
//
//	m.RegisterMailQueue(func(ctx context.Context) (int, int64, int64, int64, error) {
//		s, err := eng.LoginCodeStats(ctx)
//		return s.Pending, s.Sent, s.Failed, s.Dropped, err
//	})
func (m *Metrics) RegisterMailQueue(stats MailStats) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mailSet {
		return fmt.Errorf("register mail queue: already registered")
	}
	c := &mailCollector{
		stats:   stats,
		depth:   prometheus.NewDesc("gatehouse_mail_queue_depth", "Login-code requests waiting to be sent (queued or retrying), of every instance on the database; counted up to 10,000.", nil, nil),
		sent:    prometheus.NewDesc("gatehouse_mail_sent_total", "Login-code mails this instance handed to the mail server (or the log mailer).", nil, nil),
		failed:  prometheus.NewDesc("gatehouse_mail_failed_total", "Login-code requests this instance gave up: the last retry failed, the failure was permanent, or the request outlived the code TTL.", nil, nil),
		dropped: prometheus.NewDesc("gatehouse_mail_dropped_total", "Login-code requests this instance could not queue (the request got an error).", nil, nil),
	}
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("register mail queue: %w", err)
	}
	m.mailSet = true
	return nil
}
