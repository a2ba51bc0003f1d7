package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/secretscan"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/web"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// wired is the server's handlers and the background work behind them.
type wired struct {
	// handler serves the API, the portal pages and, when --metrics-addr
	// equals --addr, GET /metrics.
	handler http.Handler
	// metrics serves GET /metrics on a listener of its own; nil otherwise.
	metrics http.Handler
	// closers stop the background work, in order: the API first (it
	// flushes session usage), then the login service. Its code requests
	// are the job engine's, which serve stops after these.
	closers []func(context.Context) error
}

// close runs every closer, even after one fails, within ctx.
func (w *wired) close(ctx context.Context) error {
	var errs []error
	for _, c := range w.closers {
		if err := c(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// wireDeps is what wire assembles the server from.
type wireDeps struct {
	db        *sqlstore.Store  // the pools, for metrics
	store     gatehouse.Store  // db, possibly behind the token-check cache
	engine    *webhooks.Engine // started; the login service's code queue
	hasher    *token.Hasher    // current and previous secrets
	keys      *secretscan.Keys // nil: no secret-scanning endpoint
	metrics   *metrics.Metrics // nil: no --metrics-addr
	publicURL string
	log       *slog.Logger
}

// wire assembles the JSON API, the login-code service (its requests
// queued on the job engine, its mail sent by the mailer), the customer
// portal pages and the metrics.
func (c *serveCmd) wire(d wireDeps) (*wired, error) {
	w := &wired{}
	m := d.metrics
	mailer, err := c.mailer(d.log)
	if err != nil {
		return nil, err
	}
	cs := customers.New(d.store, time.Now)
	svc := login.New(login.Config{
		Store:              d.store,
		Customers:          cs,
		Hasher:             d.hasher,
		Codes:              d.engine,
		Mailer:             mailer,
		Logger:             d.log,
		Now:                time.Now,
		PublicURL:          d.publicURL,
		SessionTTL:         c.sessionTTL,
		CodeTTL:            c.codeTTL,
		RequestLimits:      c.requestLimits,
		AuthenticateLimits: c.authLimits,
		Block:              c.loginBlock,
	})
	// Requests queued before this start (a restart) have waited for it.
	d.engine.SetLoginCodeIssuer(svc)
	api, err := httpapi.New(httpapi.Config{
		Store:          d.store,
		Customers:      cs,
		Webhooks:       webhooks.NewEndpoints(d.store, time.Now, c.webhooksAllowPrivate),
		Hasher:         d.hasher,
		MaxSessionTTL:  c.maxSessionTTL,
		Now:            time.Now,
		Logger:         d.log,
		Login:          svc,
		TrustedProxies: c.trustedProxies,
		SecretScanKeys: d.keys,
		Metrics:        m,
		RequestTimeout: c.requestTimeout(d.db.Dialect()),
		ListBodies:     httpapi.DefaultListBodies,
	})
	if err != nil {
		_ = svc.Close(context.Background())
		return nil, err
	}
	w.closers = []func(context.Context) error{api.Close, svc.Close}
	var metricsHandler http.Handler
	if m != nil {
		if err := registerMetrics(m, api, d.engine, d.db); err != nil {
			_ = w.close(context.Background())
			return nil, err
		}
		metricsHandler = m.Handler()
	}
	// Every API request is counted, the portal's in-process calls too
	// (without metrics, instr is api itself).
	instr := m.Middleware(api, nil)
	// The portal calls the API in-process, so its sign-in pages use the
	// same login service (and code queue) as the JSON endpoints.
	portal, err := web.New(web.Config{API: instr, Logger: d.log, Now: time.Now, FrameAncestors: c.frameAncestors})
	if err != nil {
		_ = w.close(context.Background())
		return nil, fmt.Errorf("customer portal (--portal-frame-ancestors): %w", err)
	}
	if c.metricsOnMain() {
		w.handler = newHandler(instr, portal, metricsHandler)
	} else {
		w.handler = newHandler(instr, portal, nil)
		w.metrics = metricsOnly(metricsHandler)
	}
	if d.keys != nil {
		d.log.Info("GitHub secret scanning enabled", "keys", c.scanKeysFile)
	}
	return w, nil
}

// mailer returns what sends the login-code mail (from the job engine's
// worker, retried there): the SMTP server of --smtp-url, or, without one,
// this log (so that whoever runs a first server can still sign in; never
// acceptable in production).
func (c *serveCmd) mailer(log *slog.Logger) (gatehouse.Mailer, error) {
	var mailer gatehouse.Mailer
	if c.smtpURL != "" {
		m, err := mail.NewSMTP(c.smtpURL, c.mailFrom)
		if err != nil {
			return nil, fmt.Errorf("--smtp-url: %w", err)
		}
		log.Info("login codes are sent by e-mail", "smtp", m.String(), "from", c.mailFrom)
		mailer = m
	} else {
		level := slog.LevelWarn
		if !log.Enabled(context.Background(), slog.LevelWarn) {
			level = slog.LevelError // the log mailer writes at WARN: say it is hidden
		}
		log.Log(context.Background(), level,
			"no --smtp-url: login codes are written to this log instead of being e-mailed; set --smtp-url and --mail-from before real customers sign in",
			"log_level_hides_codes", level == slog.LevelError)
		mailer = mail.NewLog(log)
	}
	return mailer, nil
}

// newMetrics returns the metrics when --metrics-addr is set, with the
// database pools registered; nil otherwise.
func (c *serveCmd) newMetrics(db *sqlstore.Store) (*metrics.Metrics, error) {
	if c.metricsAddr == "" {
		return nil, nil
	}
	m := metrics.New()
	// PostgreSQL reads and writes through one pool; SQLite's DB() is its
	// single-connection write pool (its read pool is not exposed).
	name := "main"
	if db.Dialect() == "sqlite" {
		name = "write"
	}
	if err := m.RegisterDB(name, db.DB()); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return m, nil
}

// registerMetrics restricts the route label to the API's route table and
// reports the login-code mail (the engine's login_codes jobs) and the
// webhook backlog (the webhook sender counts its deliveries itself:
// startWebhooks).
func registerMetrics(m *metrics.Metrics, api *httpapi.Server, eng *webhooks.Engine, db *sqlstore.Store) error {
	routes := api.Routes()
	patterns := make([]string, len(routes))
	for i, r := range routes {
		patterns[i] = r.Method + " " + r.Pattern
	}
	m.AllowPatterns(patterns...)
	err := m.RegisterMailQueue(func(ctx context.Context) (int, int64, int64, int64, error) {
		s, err := eng.LoginCodeStats(ctx)
		return s.Pending, s.Sent, s.Failed, s.Dropped, err
	})
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	err = m.RegisterWebhookBacklog(func(ctx context.Context) (int, time.Time, error) {
		return db.WebhookBacklog(ctx, sqlstore.DefaultBacklogLimit)
	})
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// requestTimeout bounds a request on PostgreSQL a little above the statement
// timeout, so that a database whose connections went silent (a network
// partition: nothing refuses, nothing answers) gives a 503 instead of a
// request held until it comes back. SQLite is a local file: no bound.
func (c *serveCmd) requestTimeout(dialect string) time.Duration {
	if dialect != "postgres" {
		return 0
	}
	st := c.dbStmtTimeout
	if st <= 0 {
		st = sqlstore.DefaultStatementTimeout
	}
	return st + 2*time.Second
}
