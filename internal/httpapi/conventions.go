package httpapi

// The contract's global conventions (§1) around every route: panic
// recovery, the access log (requestlog.go), the /api prefix, CORS, the
// version header, cache headers, body-length rules, routing (router.go)
// and authentication (auth.go).

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

const (
	// maxBodyBytes is the contract's request body limit (10 MiB).
	maxBodyBytes = 10 << 20
	// defaultVersion is the API version of requests without Polar-Version.
	defaultVersion = "2026-04"
)

// Header values set on every response, assigned to the header map without
// the allocation of Header.Set. Sharing them is safe: nothing changes a
// header value in place (Add appends to a full slice, so it copies), and
// net/http copies the map when the header is written.
var (
	hdrNoStore  = []string{"private, no-store"}
	hdrJSON     = []string{"application/json"}
	hdrVersions = [...][]string{{"2026-04"}, {"2026-10"}, {"2027-01"}}
)

// versionHeader returns the Polar-Version header value of a supported
// version v, else nil.
func versionHeader(v string) []string {
	switch v {
	case "2026-04":
		return hdrVersions[0]
	case "2026-10":
		return hdrVersions[1]
	case "2027-01":
		return hdrVersions[2]
	}
	return nil
}

// recorder remembers the status written and the matched route, for logs
// and for the panic handler.
type recorder struct {
	http.ResponseWriter
	status int
	route  string
	length [1]string // the Content-Length header value (writeBody)
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP runs the global conventions of contract §1 around the routed
// handler: panic recovery, request logging, the /api prefix, CORS, the
// version header, cache headers, body-length rules, routing,
// authentication. It leaves the matched route's pattern ("METHOD
// /path/{param}") in r.Pattern, as http.ServeMux does, for the route label
// of metrics.Middleware, which cmd wraps the Server in; the raw path never
// is one.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("method", r.Method), slog.String("route", rec.route),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if rec.status == 0 {
				writeJSON(rec, http.StatusInternalServerError, errInternalBody)
			}
		}
		s.logs.write(r.Context(), r.Method, rec.route, rec.status, time.Since(start))
		r.Pattern = rec.route
	}()
	s.serve(rec, r)
}

func (s *Server) serve(w *recorder, r *http.Request) {
	if s.timeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if p := r.URL.Path; strings.HasPrefix(p, "/api/v1/") || p == "/api/v1" {
		r = rewritePath(r, "/api")
	}
	h := w.Header()
	if r.Header.Get("Origin") != "" {
		h.Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
			h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, Authorization, Content-Language, Content-Type, Polar-Version")
			h.Set("Access-Control-Max-Age", "600")
			h.Set("Vary", "Origin")
			w.WriteHeader(http.StatusOK)
			return
		}
		h.Set("Access-Control-Expose-Headers", "Polar-Version")
	}
	version := r.Header.Get("Polar-Version")
	if version == "" {
		version = defaultVersion
	}
	vh := versionHeader(version)
	if vh == nil {
		writeJSON(w, http.StatusNotFound, detailBody{"Not Found"})
		return
	}
	h["Polar-Version"] = vh
	h["Cache-Control"] = hdrNoStore

	switch r.Method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		if r.ContentLength < 0 || r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
			writeJSON(w, http.StatusLengthRequired, errorBody{"LengthRequired", "A Content-Length header is required."})
			return
		}
	}
	if r.ContentLength > maxBodyBytes {
		writeJSON(w, http.StatusRequestEntityTooLarge, errTooLargeBody)
		return
	}

	path := r.URL.EscapedPath()
	i, allow := s.router.match(r.Method, path)
	if i < 0 {
		s.notRouted(w, r, path, allow)
		return
	}
	if !s.router.setPathValues(i, r, path) {
		writeJSON(w, http.StatusNotFound, detailBody{"Not Found"})
		return
	}
	rt := &s.router.routes[i]
	w.route = r.Pattern
	sub, err := s.authenticate(r, rt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if sub != nil {
		r = withSubject(r, sub)
	}
	if err := rt.h(w, r); err != nil {
		s.writeError(w, r, err)
	}
}

// notRouted answers a request no route takes: 405 when the path exists for
// other methods, a 307 to the trailing-slash twin when that exists, else 404.
func (s *Server) notRouted(w http.ResponseWriter, r *http.Request, path string, allow []string) {
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, detailBody{"Method Not Allowed"})
		return
	}
	if path != "/" {
		if twin := toggleSlash(path); s.router.pathKnown(twin) {
			loc := twin
			if r.URL.RawQuery != "" {
				loc += "?" + r.URL.RawQuery
			}
			w.Header().Set("Location", loc)
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, detailBody{"Not Found"})
}

// rewritePath returns a shallow copy of r with prefix cut from its path.
func rewritePath(r *http.Request, prefix string) *http.Request {
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, prefix)
	if u.RawPath != "" {
		u.RawPath = strings.TrimPrefix(u.RawPath, prefix)
	}
	r2 := r.WithContext(r.Context())
	r2.URL = &u
	return r2
}
