package metrics

import (
	"net/http"
	"strconv"
	"time"
)

// Middleware returns next wrapped so that every request is counted and
// timed. pattern names the route the request took and is called after next
// returns; nil means r.Pattern, which http.ServeMux (and Gatehouse's
// router) set during routing. An empty pattern (no route matched) is
// labelled "unmatched", so the path a client sends never becomes a label.
//
// Only the method's well-known values are kept as labels (others are
// "other"); the status label is the code written, 200 when the handler
// wrote nothing.
func (m *Metrics) Middleware(next http.Handler, pattern func(*http.Request) string) http.Handler {
	if m == nil {
		return next
	}
	if pattern == nil {
		pattern = func(r *http.Request) string { return r.Pattern }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.inFlight.Dec()
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			if v := recover(); v != nil {
				// The server turns a panic into a dropped connection
				// (or the handler's own 500): count it as a 500.
				status = http.StatusInternalServerError
				defer panic(v)
			}
			route := m.routeLabel(pattern(r))
			m.requests.WithLabelValues(route, methodLabel(r.Method), statusLabel(status)).Inc()
			m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the first status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush, deadlines and Hijack.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return Other
}

// statusLabel formats a status code; codes outside 100-599 (which
// net/http refuses anyway) collapse into one label.
func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return Other
	}
	return strconv.Itoa(code)
}
