package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sessioncache"
)

// BenchmarkCreateSession is the bench's create scenario in process:
// POST /v1/customer-sessions/ by external customer ID with an organization
// token, 64 concurrent callers, on SQLite behind the session cache as
// `gatehouse serve` runs it (organization token and organization lookups
// cached, one customer read, one group-committed insert).
func BenchmarkCreateSession(b *testing.B) {
	e := newEnv(b)
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
