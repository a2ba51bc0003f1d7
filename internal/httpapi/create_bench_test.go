package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sessioncache"
)

// BenchmarkCreateSession is the bench's create scenario in process:
// POST /v1/customer-sessions/ by external customer ID with an organization
// token, 64 concurrent callers, on SQLite behind the session cache as
// `gatehouse serve` runs it (organization token and organization lookups
// cached, one customer read, one group-committed insert). The organization
// has no endpoint for customer_session events, so no payload is built.
func BenchmarkCreateSession(b *testing.B) {
	benchmarkCreateSession(b, newEnv(b))
}

// BenchmarkCreateSessionSubscribed is BenchmarkCreateSession with an
// endpoint subscribed to customer_session.created: each create is its own
// transaction that also builds the payload and writes the event (no job
// engine: the store writes events and enqueues nothing).
func BenchmarkCreateSessionSubscribed(b *testing.B) {
	e := newEnv(b)
	e.mustEndpoint("W", `{"url":"https://example.com/s","format":"raw","events":["customer_session.created"]}`)
	benchmarkCreateSession(b, e)
}

func benchmarkCreateSession(b *testing.B, e *env) {
	srv := e.newServer(func(c *Config) { c.Store = sessioncache.New(e.store, 0) })
	body := `{"external_customer_id":"usr_1","return_url":"https://example.com/back"}`
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		w := &recordWriter{header: http.Header{}}
		for pb.Next() {
			r := httptest.NewRequest("POST", "/v1/customer-sessions/", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+e.tok["A"])
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			clear(w.header)
			w.status = 0
			srv.ServeHTTP(w, r)
			if w.status != http.StatusCreated {
				b.Fatalf("status %d", w.status)
			}
		}
	})
}

// BenchmarkPortalMeCached is BenchmarkPortalMe as `gatehouse serve` runs on
// SQLite: the token check answered by the session cache, so what remains
// is the handler's own work (checksum, HMAC, cache lookup, JSON, log line).
func BenchmarkPortalMeCached(b *testing.B) {
	e := newEnv(b)
	srv := e.newServer(func(c *Config) { c.Store = sessioncache.New(e.store, 0) })
	r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
	r.Header.Set("Authorization", "Bearer "+e.tok["cst"])
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		w.status = 0
		srv.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkPortalMeCachedLog measures the access log line of
// BenchmarkPortalMeCached: "off" drops it at the level check, "text" formats
// it (slog text) and writes it with one write(2) to /dev/null, as serve does
// to stderr. The difference is the log line's cost.
func BenchmarkPortalMeCachedLog(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devnull.Close() })
	for _, tc := range []struct {
		name string
		log  *slog.Logger
	}{
		{"off", slog.New(slog.NewTextHandler(devnull, &slog.HandlerOptions{Level: slog.LevelWarn}))},
		{"text", slog.New(slog.NewTextHandler(devnull, nil))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b)
			srv := e.newServer(func(c *Config) {
				c.Store = sessioncache.New(e.store, 0)
				c.Logger = tc.log
			})
			r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
			r.Header.Set("Authorization", "Bearer "+e.tok["cst"])
			w := &recordWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.header)
				w.status = 0
				srv.ServeHTTP(w, r)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
