package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/seed"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// BenchmarkPortalMe is the hot path: the token check (checksum, HMAC, one
// store lookup) and the JSON of /customers/me, through the whole handler
// on SQLite.
func BenchmarkPortalMe(b *testing.B) {
	e := newEnv(b)
	r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
	r.Header.Set("Authorization", "Bearer "+e.tok["cst"])
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		w.status = 0
		e.srv.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkBareHandler is the baseline the portal path is compared with: a
// net/http handler writing a constant JSON body of the same size.
func BenchmarkBareHandler(b *testing.B) {
	body := []byte(`{"created_at":"2026-08-22T10:00:00.123456Z","modified_at":null,"id":"e4d3e36a-da0d-4182-8dea-923dc5964007","email":"jane@gmail.com","email_verified":false,"name":"Jane Doe","billing_name":"Jane Doe","billing_address":null,"tax_id":null,"oauth_accounts":{},"default_payment_method_id":null,"type":"individual","locale":null}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// benchCustomer is a customer with every field of the merchant API set.
func benchCustomer() *gatehouse.Customer {
	email, name, ext, loc := "jane@example.com", "Jane Doe", "usr_1337", "en-US"
	line1, pc, city, state := "1 Main St", "94104", "San Francisco", "US-CA"
	return &gatehouse.Customer{
		ID: gatehouse.NewID(), OrganizationID: gatehouse.NewID(), CreatedAt: time.Now(),
		Metadata: gatehouse.Metadata{"user_id": "ABC", "seats": 3}, ExternalID: &ext, Email: &email,
		Type: gatehouse.CustomerIndividual, Name: &name, Locale: &loc,
		BillingAddress: &gatehouse.Address{Line1: &line1, PostalCode: &pc, City: &city, State: &state, Country: "US"},
		TaxID:          &gatehouse.TaxID{Number: "911144442", Format: "us_ein"},
	}
}

// BenchmarkEncodeCustomer is the Customer JSON of the merchant API through
// encoding/json; compare BenchmarkAppendCustomer.
func BenchmarkEncodeCustomer(b *testing.B) {
	c := benchCustomer()
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writeJSON(w, http.StatusOK, wire.Customer(c))
	}
}

// BenchmarkCodeRequest measures POST …/customer-session/request for an
// unknown email, an unknown organization and a real customer: the answers
// must take the same time (no enumeration by timing). Compare the
// distributions with -count, e.g.
//
//	go test -run '^$' -bench CodeRequest -benchtime 2000x -count 8 ./internal/httpapi/
//
// The rate limit runs for real (one counter upsert per key, in the
// database) with limits too high to trip; the customer lookup, the code
// and the mail happen in the background, and each sub-benchmark drains its
// own login service after the timed loop.
func BenchmarkCodeRequest(b *testing.B) {
	e := newEnv(b)
	for _, cs := range codeRequestCases(e) {
		b.Run(cs.name, func(b *testing.B) {
			srv, svc := codeRequestServer(e)
			body := cs.body
			w := &recordWriter{header: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest("POST", "/v1/customer-portal/customer-session/request", strings.NewReader(body))
				r.Header.Set("Content-Length", strconv.Itoa(len(body)))
				clear(w.header)
				w.status = 0
				srv.ServeHTTP(w, r)
				if w.status != http.StatusAccepted {
					b.Fatalf("status %d", w.status)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			svc.Close(ctx)
			srv.Close(ctx)
		})
	}
}

// codeRequestCases are the three code requests that must not be told apart:
// an unknown email, an unknown organization and a real customer.
func codeRequestCases(e *env) []struct{ name, body string } {
	return []struct{ name, body string }{
		{"unknown-email", `{"email":"nobody@gmail.com","organization_id":"` + e.orgA.ID + `"}`},
		{"unknown-org", `{"email":"jane@gmail.com","organization_id":"` + gatehouse.NewID() + `"}`},
		{"customer", `{"email":"jane@gmail.com","organization_id":"` + e.orgA.ID + `"}`},
	}
}

// codeRequestServer is a server whose login service has limits too high to
// trip (the counters are still written) and drops its mail.
func codeRequestServer(e *env) (*Server, *login.Service) {
	high := []gatehouse.RateLimit{{Max: 1 << 30, Window: time.Minute}}
	svc := login.New(login.Config{Store: e.store, Customers: customers.New(e.store, e.clock.Now), Hasher: e.hasher, Mail: discardMail{}, Now: e.clock.Now,
		PublicURL: testPublicURL, RequestLimits: high, AuthenticateLimits: high})
	return mustNew(e.t, Config{Store: e.store, Customers: customers.New(e.store, e.clock.Now), Hasher: e.hasher, Now: e.clock.Now, Login: svc}), svc
}

// discardMail drops messages silently (benchmarks only).
type discardMail struct{}

func (discardMail) Enqueue(gatehouse.Message) {}

// BenchmarkCodeRequestLatency times single code requests the way a caller
// probing for accounts would: one at a time, each after the background work
// of the one before had time to finish (2 ms apart), and reports the
// latency distribution (p50, p90, p99 in µs) per case. The three cases must
// agree within noise.
//
//	go test -run '^$' -bench CodeRequestLatency -benchtime 2000x ./internal/httpapi/
func BenchmarkCodeRequestLatency(b *testing.B) {
	e := newEnv(b)
	for _, cs := range codeRequestCases(e) {
		b.Run(cs.name, func(b *testing.B) {
			srv, svc := codeRequestServer(e)
			body := cs.body
			w := &recordWriter{header: http.Header{}}
			var lat []time.Duration
			for b.Loop() {
				b.StopTimer()
				time.Sleep(2 * time.Millisecond)
				r := httptest.NewRequest("POST", "/v1/customer-portal/customer-session/request", strings.NewReader(body))
				r.Header.Set("Content-Length", strconv.Itoa(len(body)))
				clear(w.header)
				w.status = 0
				b.StartTimer()
				start := time.Now()
				srv.ServeHTTP(w, r)
				lat = append(lat, time.Since(start))
				if w.status != http.StatusAccepted {
					b.Fatalf("status %d", w.status)
				}
			}
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
			b.ReportMetric(q(0.50), "p50-µs")
			b.ReportMetric(q(0.90), "p90-µs")
			b.ReportMetric(q(0.99), "p99-µs")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			svc.Close(ctx)
			srv.Close(ctx)
		})
	}
}

// BenchmarkListCustomers is the bench's list scenario in process: GET
// /v1/customers/?query=NAME&limit=100 over BENCH_CUSTOMERS (default
// 100,000) seeded customers on SQLite, a last name matching 1 in 50,
// through the whole handler (auth, customer search, JSON of 100 customers),
// without and with the list body cache.
func BenchmarkListCustomers(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("BENCH_CUSTOMERS")); err == nil {
		n = v
	}
	e := newEnv(b)
	st := e.store.(*sqlstore.Store)
	if err := seed.Seed(context.Background(), st.DB(), st.Dialect(), seed.Options{OrgID: e.orgA.ID, Customers: n}); err != nil {
		b.Fatal(err)
	}
	var reqs []*http.Request
	for _, name := range seed.LastNames()[:16] {
		r := httptest.NewRequest("GET", "/v1/customers/?query="+strings.ToLower(name)+"&limit=100", nil)
		r.Header.Set("Authorization", "Bearer "+e.tok["Aread"])
		reqs = append(reqs, r)
	}
	for _, bodies := range []int{0, 8192} {
		b.Run("bodies="+strconv.Itoa(bodies), func(b *testing.B) {
			srv := e.newServer(func(c *Config) { c.ListBodies = bodies })
			w := &recordWriter{header: http.Header{}}
			for _, r := range reqs { // load the index, the rows and the bodies
				srv.ServeHTTP(w, r)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				clear(w.header)
				w.status = 0
				srv.ServeHTTP(w, reqs[i%len(reqs)])
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				i++
			}
		})
	}
}
