package metrics

import (
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

// MailStats returns the mail queue's current depth (messages waiting) and
// its counters since start: delivered, failed after retries, and dropped
// (refused because the queue was full or closed).
type MailStats func() (depth int, sent, failed, dropped int64)

// mailCollector reports a mail queue through a MailStats func.
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
	depth, sent, failed, dropped := c.stats()
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(depth))
	ch <- prometheus.MustNewConstMetric(c.sent, prometheus.CounterValue, float64(sent))
	ch <- prometheus.MustNewConstMetric(c.failed, prometheus.CounterValue, float64(failed))
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(dropped))
}

// RegisterMailQueue reports a mail queue: gatehouse_mail_queue_depth and
// gatehouse_mail_{sent,failed,dropped}_total, read from stats at each
// scrape. Only one queue can be registered.
//
//	m.RegisterMailQueue(func() (int, int64, int64, int64) {
//		s := q.Stats()
//		return q.Depth(), s.Sent, s.Failed, s.Dropped
//	})
func (m *Metrics) RegisterMailQueue(stats MailStats) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mailSet {
		return fmt.Errorf("register mail queue: already registered")
	}
	c := &mailCollector{
		stats:   stats,
		depth:   prometheus.NewDesc("gatehouse_mail_queue_depth", "Messages waiting in the mail queue.", nil, nil),
		sent:    prometheus.NewDesc("gatehouse_mail_sent_total", "Messages delivered.", nil, nil),
		failed:  prometheus.NewDesc("gatehouse_mail_failed_total", "Messages given up after retries or a permanent failure.", nil, nil),
		dropped: prometheus.NewDesc("gatehouse_mail_dropped_total", "Messages refused because the queue was full or closed.", nil, nil),
	}
	if err := m.reg.Register(c); err != nil {
		return fmt.Errorf("register mail queue: %w", err)
	}
	m.mailSet = true
	return nil
}
