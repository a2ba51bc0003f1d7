// Package httpapi is Gatehouse's HTTP API: the Polar-compatible merchant
// endpoints (customers, customer sessions), the customer-portal endpoints and
// the global conventions of the contract (version header, trailing slashes,
// body limits, error envelopes, bearer-token authentication).
//
// Every route is listed in routes.go; handlers return errors and writeError
// (errors.go) turns them into the contract's envelopes.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/secretscan"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/usage"
)

// Config holds the server's dependencies and settings. Store, Customers,
// Webhooks, Hasher and Login are required; every other field may stay zero
// and gets the documented default.
type Config struct {
	Store gatehouse.Store
	// Customers makes every change to a customer (the handlers only
	// decode, call it and encode); it writes to Store.
	Customers gatehouse.CustomerService
	// Webhooks owns the organization's webhook endpoints (the rules, and
	// the reads the webhook routes make).
	Webhooks gatehouse.WebhookEndpointService
	Hasher   *token.Hasher
	// Login mints every session and runs the e-mailed code flow; it owns
	// the session lifetime and the portal's public URL. Its owner closes
	// it, after Server.Close.
	Login *login.Service
	// MaxSessionTTL bounds the expires_in of POST /v1/customer-sessions/
	// (default DefaultMaxSessionTTL).
	MaxSessionTTL time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger receives request and error logs (nil: discard).
	Logger *slog.Logger
	// TrustedProxies are the proxies whose X-Forwarded-For is believed:
	// when the connection comes from one of them, the client IP is the
	// right-most address of the header that is not itself a trusted proxy.
	// nil: the connection's address is the client IP.
	TrustedProxies []netip.Prefix
	// SecretScanKeys verify GitHub secret-scanning reports. nil: the
	// secret-scanning endpoint does not exist (404).
	SecretScanKeys *secretscan.Keys
	// Metrics records token checks and rate-limit rejections. nil: no
	// metrics, and no cost on the request path. Requests are counted by
	// the caller wrapping the Server in Metrics.Middleware.
	Metrics *metrics.Metrics
	// UsageFlushInterval is how often recorded session usage (last use
	// time, IP, user agent; at most once a minute per session) is written
	// to the store in the background (default 5s). Close writes the rest.
	UsageFlushInterval time.Duration
	// RequestTimeout bounds the work of one request, database calls
	// included (0: no bound). A database whose connections went silent (a
	// network partition) then answers 503 instead of holding requests until
	// it comes back. Set it above the database's statement timeout.
	RequestTimeout time.Duration
	// ListBodies is how many customers' list JSON is kept between lists
	// (0: none; DefaultListBodies is what cmd uses), about 1 KB each. Only
	// a store whose lists share their customers between calls keeps any
	// (gatehouse.SharesListedCustomers: sqlstore's customer search on
	// SQLite); with any other a cache keyed by customer would only churn.
	ListBodies int
}

// DefaultListBodies is the Config.ListBodies of "gatehouse serve": 8,192
// customers' JSON, about 8 MB.
const DefaultListBodies = 8192

// Server is the HTTP API. It implements http.Handler. Close releases its
// background work.
type Server struct {
	store     gatehouse.Store
	customers gatehouse.CustomerService
	webhooks  gatehouse.WebhookEndpointService
	bodies    *customerBodies // nil: off
	hasher    *token.Hasher
	maxTTL    time.Duration
	now       func() time.Time
	log       *slog.Logger
	router    *router
	logs      *requestLoggers
	peek      sessionPeeker // the store's allocation-free session cache lookup, if it has one

	login     *login.Service
	proxies   []netip.Prefix
	scanKeys  *secretscan.Keys
	revoker   *secretscan.Revoker
	metrics   *metrics.Metrics
	usage     *usage.Recorder
	openapi   http.Handler
	closeOnce sync.Once
	closed    atomic.Bool // set by Close: code requests answer 503
	timeout   time.Duration
}

// DefaultMaxSessionTTL is the default bound of a new session's expires_in:
// 30 days.
const DefaultMaxSessionTTL = 30 * 24 * time.Hour

// New returns a Server for cfg and starts its background usage writer;
// call Close on shutdown. A missing required field is an error.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("httpapi: config: Store is required")
	case cfg.Hasher == nil:
		return nil, errors.New("httpapi: config: Hasher is required")
	case cfg.Customers == nil:
		return nil, errors.New("httpapi: config: Customers is required")
	case cfg.Webhooks == nil:
		return nil, errors.New("httpapi: config: Webhooks is required")
	case cfg.Login == nil:
		return nil, errors.New("httpapi: config: Login is required")
	}
	s := &Server{
		timeout:   cfg.RequestTimeout,
		store:     cfg.Store,
		customers: cfg.Customers,
		webhooks:  cfg.Webhooks,
		hasher:    cfg.Hasher,
		maxTTL:    cfg.MaxSessionTTL,
		now:       cfg.Now,
		log:       cfg.Logger,
		login:     cfg.Login,
		proxies:   cfg.TrustedProxies,
		scanKeys:  cfg.SecretScanKeys,
		metrics:   cfg.Metrics,
		openapi:   openapi.Handler(),
	}
	s.peek, _ = cfg.Store.(sessionPeeker)
	if gatehouse.SharesListedCustomers(cfg.Store) {
		s.bodies = newCustomerBodies(cfg.ListBodies)
	}
	if s.maxTTL <= 0 {
		s.maxTTL = DefaultMaxSessionTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.revoker = &secretscan.Revoker{Store: s.store, Hasher: s.hasher, Now: s.clock}
	s.usage = usage.New(s.store, usage.Options{Interval: cfg.UsageFlushInterval, Logger: s.log})
	s.router = newRouter(s.routes())
	s.logs = newRequestLoggers(s.log, s.router)
	return s, nil
}

// Close writes the pending session usage records and stops the Server's
// background usage writer, or gives up when ctx ends. Call it after the
// HTTP server has stopped serving; it may be called more than once.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	s.closed.Store(true)
	s.closeOnce.Do(func() {
		if err := s.usage.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("close usage recorder: %w", err))
		}
	})
	return errors.Join(errs...)
}

// Routes lists every route the server answers, for documentation and
// table-driven tests (OpenAPI check, authorization matrix).
func (s *Server) Routes() []RouteInfo {
	out := make([]RouteInfo, len(s.router.routes))
	for i, rt := range s.router.routes {
		out[i] = rt.RouteInfo
		out[i].Scopes = append([]gatehouse.Scope(nil), rt.Scopes...)
	}
	return out
}

// clock returns the current time in UTC at microsecond precision, the
// precision every store keeps.
func (s *Server) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

type statusBody struct {
	Status string `json:"status"`
}

// healthz is GET /healthz: 200 while the process lives.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, statusBody{"ok"})
	return nil
}

// readyTimeout bounds the database ping of a readiness check.
const readyTimeout = 2 * time.Second

// readyz is GET /readyz: 200 when the database answers, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	// A database that stopped answering (a network partition leaves open
	// connections silent) must turn into a 503, not a hung probe.
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "readiness check failed", "error", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, errUnavailableBody)
		return nil
	}
	writeJSON(w, http.StatusOK, statusBody{"ok"})
	return nil
}
