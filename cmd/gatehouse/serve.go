package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/secretscan"
	"github.com/gatehouse/gatehouse/internal/sessioncache"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
)

// HTTP server limits. Request bodies may reach 10 MiB (the contract's
// limit), so reads get a minute; headers must arrive much sooner.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = time.Minute
	writeTimeout      = time.Minute
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	// purgeInterval is how often expired sessions and codes are deleted.
	purgeInterval = 5 * time.Minute
)

const serveSynopsis = "gatehouse serve [--addr 127.0.0.1:8080] [--db sqlite:gatehouse.db] [flags]"

func runServe(ctx context.Context, e env, args []string) error {
	var c serveCmd
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "serve", serveSynopsis)
	c.register(fs, v)
	if err := parseFlags(fs, args, serveSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	tuneGC(e.getenv)
	lb := newLogBuffer(e.stderr)
	defer lb.Close()
	log, err := c.db.logger(lb)
	if err != nil {
		return err
	}
	return c.run(ctx, log)
}

func (c *serveCmd) run(ctx context.Context, log *slog.Logger) error {
	hasher, err := c.db.hasher(log) // first: no secret on PostgreSQL fails before connecting
	if err != nil {
		return err
	}
	var keys *secretscan.Keys
	if c.scanKeysFile != "" {
		if keys, err = secretscan.LoadKeys(c.scanKeysFile); err != nil {
			return fmt.Errorf("--secret-scanning-keys: %w", err)
		}
	}
	sealer, err := c.db.sealer(log)
	if err != nil {
		return err
	}
	st, err := c.db.open(ctx, sqlstore.Options{MaxConns: c.dbMaxConns, StatementTimeout: c.dbStmtTimeout,
		SearchIndex: c.searchIndexMax, Sealer: sealer})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkSchema(ctx, st, c.migrate, log); err != nil {
		return err
	}
	m, err := c.newMetrics(st) // before the sender: it counts into them
	if err != nil {
		return err
	}
	// The engine before the login service: it is the service's queue of
	// code requests.
	engine, stopEngine, err := c.startWebhooks(ctx, st, log, m)
	if err != nil {
		return err
	}
	defer stopEngine() // after shutdown (the HTTP servers), before st.Close, deferred above
	var store gatehouse.Store = st
	if st.Dialect() == "sqlite" {
		// One process serves a SQLite file, so it sees every write to
		// sessions and customers and may cache the token check.
		store = sessioncache.New(st, 0)
	}

	lns, err := c.listen()
	if err != nil {
		return err
	}
	addr := lns.main.Addr().String()
	publicURL := strings.TrimRight(c.publicURL, "/")
	if publicURL == "" {
		publicURL = "http://" + addr
	}
	app, err := c.wire(wireDeps{db: st, store: store, engine: engine, hasher: hasher, keys: keys, metrics: m, publicURL: publicURL, log: log})
	if err != nil {
		lns.close()
		return err
	}
	servers := []*http.Server{newHTTPServer(ctx, app.handler, log)}
	listeners := []net.Listener{lns.main}
	if lns.metrics != nil {
		servers = append(servers, newHTTPServer(ctx, app.metrics, log))
		listeners = append(listeners, lns.metrics)
	}

	purgeCtx, stopPurge := context.WithCancel(ctx)
	purgeDone := make(chan struct{})
	go func() {
		defer close(purgeDone)
		purgeLoop(purgeCtx, store, log)
	}()
	defer func() { stopPurge(); <-purgeDone }()

	served := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { served <- srv.Serve(listeners[i]) }()
	}
	c.logStart(log, addr, lns, publicURL)

	var serveErr error
	select {
	case serveErr = <-served:
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.shutdownTimeout)
	defer cancel()
	return c.shutdown(sctx, log, servers, served, serveErr, app)
}

// shutdown stops in order: the HTTP servers (requests in flight finish),
// then the API (it flushes session usage) and the login service, within
// ctx. After it, run's deferred calls stop the job engine (its webhook
// deliveries and code mails in flight finish within --shutdown-timeout,
// else are left to River: a queued code request is sent after a restart)
// and then close the store. firstErr is a serve error that ended the
// server early.
func (c *serveCmd) shutdown(ctx context.Context, log *slog.Logger, servers []*http.Server, served chan error, firstErr error, app *wired) error {
	var errs []error
	if firstErr != nil && !errors.Is(firstErr, http.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("serve: %w", firstErr))
	}
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			errs = append(errs, fmt.Errorf("shutdown: requests still running after %s: %w", c.shutdownTimeout, err))
		}
	}
	pending := len(servers)
	if firstErr != nil {
		pending--
	}
	for range pending {
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: %w", err))
		}
	}
	if err := app.close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("shutdown: %w", err))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	log.Info("stopped")
	return nil
}

// listeners are the server's open sockets; metrics is nil unless
// --metrics-addr names an address of its own.
type listeners struct {
	main, metrics net.Listener
}

func (l listeners) close() {
	l.main.Close()
	if l.metrics != nil {
		l.metrics.Close()
	}
}

// listen opens --addr and, when it differs from it, --metrics-addr.
func (c *serveCmd) listen() (listeners, error) {
	var l listeners
	var err error
	if l.main, err = net.Listen("tcp", c.addr); err != nil {
		return l, fmt.Errorf("listen: %w", err)
	}
	if c.metricsAddr != "" && !c.metricsOnMain() {
		if l.metrics, err = net.Listen("tcp", c.metricsAddr); err != nil {
			l.main.Close()
			return l, fmt.Errorf("listen on --metrics-addr: %w", err)
		}
	}
	return l, nil
}

// metricsOnMain reports whether /metrics is served on the main listener.
func (c *serveCmd) metricsOnMain() bool { return c.metricsAddr != "" && c.metricsAddr == c.addr }

// logStart writes the "listening" line (tests and scripts read its addr)
// and the metrics address.
func (c *serveCmd) logStart(log *slog.Logger, addr string, lns listeners, publicURL string) {
	log.Info("listening", "addr", addr, "public_url", publicURL, "db", c.db.describe(),
		"session_ttl", c.sessionTTL.String(), "code_ttl", c.codeTTL.String())
	switch {
	case lns.metrics != nil:
		log.Info("serving metrics", "metrics_addr", lns.metrics.Addr().String(), "path", "/metrics")
	case c.metricsOnMain():
		log.Info("serving metrics", "metrics_addr", addr, "path", "/metrics")
	}
}

// newHTTPServer returns a server with Gatehouse's timeouts and limits.
// Requests keep running when ctx ends, until Shutdown says otherwise.
func newHTTPServer(ctx context.Context, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// purgeLoop deletes expired sessions and codes now and every purgeInterval
// until ctx ends. Failures are logged and retried on the next tick.
func purgeLoop(ctx context.Context, store gatehouse.Store, log *slog.Logger) {
	t := time.NewTicker(purgeInterval)
	defer t.Stop()
	for {
		n, err := store.Purge(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("purge expired rows", "err", err)
		case n > 0:
			log.Info("purged expired rows", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
