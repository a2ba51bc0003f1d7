package main

import (
	"net/http"
	"strings"
)

// metricsPath is where the Prometheus metrics are served.
const metricsPath = "/metrics"

// newHandler joins the JSON API and the customer-portal pages into the one
// handler the server serves. The portal owns /{slug}/portal and everything
// under it; metrics, when not nil, answers GET /metrics; every other path
// (/v1/…, /api/v1/…, /healthz, /readyz and unknown paths) goes to the API,
// which answers its own JSON 404s, so API clients never get an HTML page.
func newHandler(api, portal, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if metrics != nil && r.URL.Path == metricsPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		if isPortalPath(r.URL.Path) {
			portal.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// isPortalPath reports whether p is /{slug}/portal or below it.
func isPortalPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return false
	}
	slug, tail, ok := strings.Cut(rest, "/")
	if !ok || slug == "" || slug == "v1" || slug == "api" {
		return false
	}
	return tail == "portal" || strings.HasPrefix(tail, "portal/")
}

// metricsOnly serves h at GET /metrics and 404 everywhere else: the handler
// of the separate --metrics-addr listener. A nil h gives nil.
func metricsOnly(h http.Handler) http.Handler {
	if h == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+metricsPath, h)
	return mux
}
