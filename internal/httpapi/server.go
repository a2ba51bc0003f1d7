// Package httpapi is Gatehouse's HTTP API: the Polar-compatible merchant
// endpoints (customers, customer sessions), the customer-portal endpoints and
// the global conventions of the contract (version header, trailing slashes,
// body limits, error envelopes, bearer-token authentication).
//
// Every route is listed in routes.go; handlers return errors and writeError
// (errors.go) turns them into the contract's envelopes.
package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

// Config holds the server's dependencies and settings. Zero values get the
// documented defaults.
type Config struct {
	Store  gatehouse.Store
	Hasher *token.Hasher
	// PublicURL is the base of portal links, e.g. "http://127.0.0.1:8080",
	// without a trailing slash: portal URLs are {PublicURL}/{slug}/portal?...
	PublicURL string
	// SessionTTL is the lifetime of new customer sessions (default 1h).
	SessionTTL time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Logger receives request and error logs (nil: discard).
	Logger *slog.Logger
}

// Server is the HTTP API. It implements http.Handler.
type Server struct {
	store     gatehouse.Store
	hasher    *token.Hasher
	publicURL string
	ttl       time.Duration
	now       func() time.Time
	log       *slog.Logger
	router    *router
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	s := &Server{
		store:     cfg.Store,
		hasher:    cfg.Hasher,
		publicURL: trimRightSlash(cfg.PublicURL),
		ttl:       cfg.SessionTTL,
		now:       cfg.Now,
		log:       cfg.Logger,
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.router = newRouter(s.routes())
	return s
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

func trimRightSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

type statusBody struct {
	Status string `json:"status"`
}

// healthz is GET /healthz: 200 while the process lives.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, statusBody{"ok"})
	return nil
}

// readyz is GET /readyz: 200 when the database answers, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "readiness check failed", "error", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, errUnavailableBody)
		return nil
	}
	writeJSON(w, http.StatusOK, statusBody{"ok"})
	return nil
}
