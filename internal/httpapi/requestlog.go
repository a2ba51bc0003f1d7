package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// requestLoggers writes the access log: one line a request with its
// method, route pattern (never the raw path), status and duration. The
// loggers of the routes are prepared once, with the method and route
// attributes already added (and formatted, by slog's built-in handlers), so
// a request pays only for its status and duration.
type requestLoggers struct {
	log *slog.Logger
	// byPattern holds [0] the logger of the route's method, [1] of HEAD
	// on a GET route.
	byPattern map[string]*[2]*slog.Logger
}

// newRequestLoggers prepares the per-route loggers of rt's routes from l.
func newRequestLoggers(l *slog.Logger, rt *router) *requestLoggers {
	rl := &requestLoggers{log: l, byPattern: make(map[string]*[2]*slog.Logger, len(rt.routes))}
	for i, r := range rt.routes {
		p := rt.patterns[i]
		ls := &[2]*slog.Logger{l.With(slog.String("method", r.Method), slog.String("route", p))}
		if r.Method == http.MethodGet {
			ls[1] = l.With(slog.String("method", http.MethodHead), slog.String("route", p))
		}
		rl.byPattern[p] = ls
	}
	return rl
}

// prepared returns the logger of the matched route pattern and the
// request method, or nil when there is none prepared.
func (rl *requestLoggers) prepared(pattern, method string) *slog.Logger {
	ls := rl.byPattern[pattern]
	switch {
	case ls == nil:
		return nil
	case method == http.MethodHead:
		return ls[1]
	case len(pattern) > len(method) && pattern[len(method)] == ' ' && pattern[:len(method)] == method:
		return ls[0]
	}
	return nil
}

// write writes the access log line of one request; route is "" when none
// matched.
func (rl *requestLoggers) write(ctx context.Context, method, route string, status int, d time.Duration) {
	if l := rl.prepared(route, method); l != nil {
		l.LogAttrs(ctx, slog.LevelInfo, "request", slog.Int("status", status), slog.Duration("duration", d))
		return
	}
	rl.log.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("method", method), slog.String("route", route),
		slog.Int("status", status), slog.Duration("duration", d))
}
