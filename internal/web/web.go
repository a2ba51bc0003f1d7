// Package web serves the customer portal: server-rendered pages where a
// customer who followed a customer_portal_url, or who signed in with an
// emailed code, sees and edits their account.
//
// The portal does not touch the store. It calls Gatehouse's own JSON API
// through the public client (package client) over an in-process transport
// to Config.API, with the customer's bearer token, so every rule and
// validation is exactly the API's and its answers arrive as *client.Error;
// 422 detail items are shown next to the form fields named by their loc.
package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// Config configures the portal.
type Config struct {
	// API is Gatehouse's JSON API handler; the portal calls it in-process,
	// through a client.Client whose transport serves it directly.
	API http.Handler
	// Logger receives request problems; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// FrameAncestors lists the origins (such as "https://shop.example.com")
	// allowed to embed the portal in a frame. Empty means none may.
	FrameAncestors []string
}

// Handler serves the portal pages under /{slug}/portal. It answers every
// other path with a 404 page, so it can be mounted on everything outside /v1/.
type Handler struct {
	api     *client.Client // in-process; every call's context carries its browser request
	log     *slog.Logger
	now     func() time.Time
	text    *Strings
	pages   map[string]*template.Template
	static  fs.FS
	version string // digest of the static files, for cache busting
	// Select lists, built once.
	countries, usStates, caProvinces []Option
	csp                              string
	framing                          bool // true when FrameAncestors allows some origin
	mux                              *http.ServeMux
	crossOri                         *http.CrossOriginProtection
}

// New checks cfg, parses the embedded templates and returns the portal
// handler.
func New(cfg Config) (*Handler, error) {
	if cfg.API == nil {
		return nil, errors.New("web: config: API handler is required")
	}
	csp, err := contentSecurityPolicy(cfg.FrameAncestors)
	if err != nil {
		return nil, fmt.Errorf("web: config: %w", err)
	}
	pages, err := parseTemplates()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	h := &Handler{
		api:      newAPIClient(cfg.API),
		log:      cfg.Logger,
		now:      cfg.Now,
		text:     &English,
		pages:    pages,
		static:   static,
		version:  assetVersion(static),
		csp:      csp,
		framing:  len(cfg.FrameAncestors) > 0,
		crossOri: http.NewCrossOriginProtection(),

		countries:   countryOptions(),
		usStates:    usStateOptions(),
		caProvinces: caProvinceOptions(),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.crossOri.SetDenyHandler(http.HandlerFunc(h.forbidden))
	h.mux = h.routes()
	return h, nil
}

// ServeHTTP sets the security headers every response carries and dispatches
// with r in the request context, so that the API calls made for it carry the
// customer's address and user agent.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r = r.WithContext(withBrowser(r.Context(), r))
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if !h.framing {
		hd.Set("X-Frame-Options", "DENY")
	}
	h.mux.ServeHTTP(w, r)
}

// contentSecurityPolicy builds the policy: nothing inline, everything from
// our own origin, images also from https (organization avatars).
func contentSecurityPolicy(ancestors []string) (string, error) {
	frame := "'none'"
	if len(ancestors) > 0 {
		for _, a := range ancestors {
			if !validAncestor(a) {
				return "", fmt.Errorf("frame ancestor %q is not an origin such as https://shop.example.com", a)
			}
		}
		frame = strings.Join(ancestors, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors " + frame, nil
}

// validAncestor accepts 'self' and scheme://host[:port] sources, and nothing
// that could smuggle another directive into the header.
func validAncestor(a string) bool {
	if a == "'self'" {
		return true
	}
	scheme, host, ok := strings.Cut(a, "://")
	if !ok || (scheme != "https" && scheme != "http") || host == "" {
		return false
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:*[]", c)) {
			return false
		}
	}
	return true
}

// render executes page with v into a buffer, then writes it with status.
// A template failure becomes a plain 500 and a log line.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v any) {
	var buf bytes.Buffer
	t, ok := h.pages[page]
	if !ok {
		h.log.ErrorContext(r.Context(), "portal: unknown page", "page", page)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "portal: render page", "page", page, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// redirect answers 303 See Other, so a POST is followed by a GET.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}
