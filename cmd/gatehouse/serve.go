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

// serveCmd is "gatehouse serve".
type serveCmd struct {
	db              dbFlags
	addr            string
	publicURL       string
	sessionTTL      time.Duration
	dbMaxConns      int
	dbStmtTimeout   time.Duration
	migrate         bool
	shutdownTimeout time.Duration
	smtpURL         string
	mailFrom        string
}

const serveSynopsis = "gatehouse serve [--addr 127.0.0.1:8080] [--db sqlite:gatehouse.db] [flags]"

func runServe(ctx context.Context, e env, args []string) error {
	var c serveCmd
	v := &envValues{getenv: e.getenv}
	fs := newFlagSet(e, "serve", serveSynopsis)
	c.db.register(fs, v)
	fs.StringVar(&c.addr, "addr", v.str("GATEHOUSE_ADDR", "127.0.0.1:8080"), "listen address; port 0 picks a free port (GATEHOUSE_ADDR)")
	fs.StringVar(&c.publicURL, "public-url", v.str("GATEHOUSE_PUBLIC_URL", ""), "base URL customers reach the portal at (default http://<addr>) (GATEHOUSE_PUBLIC_URL)")
	fs.DurationVar(&c.sessionTTL, "session-ttl", v.duration("GATEHOUSE_SESSION_TTL", time.Hour), "lifetime of a customer session (GATEHOUSE_SESSION_TTL)")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", v.int("GATEHOUSE_DB_MAX_CONNS", 0), "database pool size; 0 means 20 on PostgreSQL, 4 readers on SQLite (GATEHOUSE_DB_MAX_CONNS)")
	fs.DurationVar(&c.dbStmtTimeout, "db-statement-timeout", v.duration("GATEHOUSE_DB_STATEMENT_TIMEOUT", 0), "PostgreSQL statement_timeout; 0 means 5s (GATEHOUSE_DB_STATEMENT_TIMEOUT)")
	fs.BoolVar(&c.migrate, "migrate", v.bool("GATEHOUSE_MIGRATE", false), "PostgreSQL: apply pending migrations at start instead of refusing to start (GATEHOUSE_MIGRATE)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", v.duration("GATEHOUSE_SHUTDOWN_TIMEOUT", 15*time.Second), "how long SIGINT/SIGTERM waits for requests in flight (GATEHOUSE_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.smtpURL, "smtp-url", v.str("GATEHOUSE_SMTP_URL", ""), "SMTP server for portal login codes: smtp://[user:pass@]host:587 or smtps://...:465 (GATEHOUSE_SMTP_URL)")
	fs.StringVar(&c.mailFrom, "mail-from", v.str("GATEHOUSE_MAIL_FROM", ""), `sender of login-code e-mails, e.g. "Acme <billing@acme.example>" (GATEHOUSE_MAIL_FROM)`)
	if err := parseFlags(fs, args, serveSynopsis); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	log, err := newLogger(e.stderr, c.db.logFormat)
	if err != nil {
		return err
	}
	return c.run(ctx, log)
}

func (c *serveCmd) validate() error {
	switch {
	case c.sessionTTL <= 0:
		return usagef("--session-ttl 1h", "--session-ttl must be positive, got %s", c.sessionTTL)
	case c.shutdownTimeout <= 0:
		return usagef("--shutdown-timeout 15s", "--shutdown-timeout must be positive, got %s", c.shutdownTimeout)
	case c.dbMaxConns < 0:
		return usagef("--db-max-conns 20", "--db-max-conns must not be negative")
	case c.dbStmtTimeout < 0:
		return usagef("--db-statement-timeout 5s", "--db-statement-timeout must not be negative")
	case c.smtpURL != "" && c.mailFrom == "":
		return usagef(`gatehouse serve --smtp-url smtp://mail.example:587 --mail-from "Acme <billing@acme.example>"`, "--smtp-url needs --mail-from")
	case c.publicURL != "" && !strings.HasPrefix(c.publicURL, "http://") && !strings.HasPrefix(c.publicURL, "https://"):
		return usagef("--public-url https://billing.example.com", "--public-url must start with http:// or https://, got %q", c.publicURL)
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return usagef("--addr 127.0.0.1:8080", "--addr %q is not host:port", c.addr)
	}
	return nil
}

func (c *serveCmd) run(ctx context.Context, log *slog.Logger) error {
	hasher, err := c.db.hasher(log) // first: no secret on PostgreSQL fails before connecting
	if err != nil {
		return err
	}
	st, err := c.db.open(ctx, sqlstore.Options{MaxConns: c.dbMaxConns, StatementTimeout: c.dbStmtTimeout})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := checkSchema(ctx, st, c.migrate, log); err != nil {
		return err
	}
	var store gatehouse.Store = st
	if st.Dialect() == "sqlite" {
		// One process serves a SQLite file, so it sees every write to
		// sessions and customers and may cache the token check.
		store = sessioncache.New(st, 0)
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	addr := ln.Addr().String()
	publicURL := strings.TrimRight(c.publicURL, "/")
	if publicURL == "" {
		publicURL = "http://" + addr
	}
	app, err := c.wire(store, hasher, publicURL, log)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           app.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}

	purgeCtx, stopPurge := context.WithCancel(ctx)
	purgeDone := make(chan struct{})
	go func() {
		defer close(purgeDone)
		purgeLoop(purgeCtx, store, log)
	}()
	defer func() { stopPurge(); <-purgeDone }()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", addr, "public_url", publicURL, "db", c.db.describe(), "session_ttl", c.sessionTTL.String())

	select {
	case err := <-served:
		_ = app.close(context.WithoutCancel(ctx))
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", c.shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		_ = app.close(sctx)
		return fmt.Errorf("shutdown: requests still running after %s: %w", c.shutdownTimeout, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if err := app.close(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
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
