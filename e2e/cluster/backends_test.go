package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// TestTimestampsIdenticalAcrossBackends runs one script of API calls on a
// SQLite instance and on a PostgreSQL instance and requires identical
// transcripts (status, content type, body) once IDs, tokens and times are
// replaced by numbered placeholders in order of first appearance. Because
// equal values get equal placeholders, a time that does not round-trip
// exactly (say, stored in milliseconds) shows up as a difference too.
func TestTimestampsIdenticalAcrossBackends(t *testing.T) {
	pg := newPostgres(t)
	pg.MustCLI(t, "migrate")
	var transcripts [2][]exchange
	for i, d := range []*deployment{newSQLite(t), pg} {
		o := d.MustOrg(t, "Org same", "same")
		in := d.MustServe(t, "--public-url", "https://billing.example")
		rec := newRecorder(t, d, in.URL, o.Token)
		apiScript(t, rec)
		transcripts[i] = rec.exchanges
		checkTimes(t, []string{"sqlite", "postgres"}[i], rec.exchanges)
	}
	sq, pq := normalize(transcripts[0]), normalize(transcripts[1])
	if len(sq) != len(pq) {
		t.Fatalf("the script made %d calls on SQLite and %d on PostgreSQL", len(sq), len(pq))
	}
	same := 0
	for i := range sq {
		if sq[i] != pq[i] {
			t.Errorf("call %d differs between backends:\nsqlite:   %s\npostgres: %s", i, sq[i], pq[i])
		} else {
			same++
		}
	}
	t.Logf("%d of %d calls answered identically on SQLite and PostgreSQL", same, len(sq))
}

// exchange is one recorded call.
type exchange struct {
	name        string
	status      int
	contentType string
	body        string
}

// recorder makes calls through the client and records every answer.
type recorder struct {
	t         *testing.T
	d         *deployment
	c         *client.Client
	exchanges []exchange

	mu   sync.Mutex
	last *http.Response // the latest response the transport saw
}

func newRecorder(t *testing.T, d *deployment, baseURL, token string) *recorder {
	r := &recorder{t: t, d: d}
	hc := &http.Client{Timeout: clientTimeout, Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(req)
		r.mu.Lock()
		r.last = resp
		r.mu.Unlock()
		return resp, err
	})}
	r.c = client.New(baseURL, client.WithToken(token), client.WithHTTPClient(hc))
	return r
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// call sends one request with token (empty: the organization token) and
// records it; it returns the decoded JSON body (nil when not JSON).
func (r *recorder) call(name, token, method, path string, query url.Values, in any) map[string]any {
	r.t.Helper()
	c := r.c
	if token != "" {
		c = c.As(token)
	}
	var body string
	err := c.Do(context.Background(), method, path, query, in, &body)
	var ce *client.Error
	switch {
	case errors.As(err, &ce):
		body = string(ce.Body)
	case err != nil:
		r.t.Fatalf("%s: %v", name, err)
	}
	r.mu.Lock()
	resp := r.last
	r.mu.Unlock()
	r.exchanges = append(r.exchanges, exchange{name, resp.StatusCode, resp.Header.Get("Content-Type"), body})
	var out map[string]any
	if json.Unmarshal([]byte(body), &out) == nil {
		if tok, ok := out["token"].(string); ok {
			r.d.Hide(tok)
		}
	}
	return out
}

// str returns m[key] as a string, failing the test when it is not one.
func (r *recorder) str(m map[string]any, key string) string {
	r.t.Helper()
	s, ok := m[key].(string)
	if !ok {
		r.t.Fatalf("response %v has no string %q", m, key)
	}
	return s
}

// apiScript is the sequence of calls both backends answer.
func apiScript(t *testing.T, r *recorder) {
	cu := r.call("create customer", "", "POST", "/v1/customers/", nil, map[string]any{
		"email": "Jane.Doe@Example.COM", "name": "Jane Doe", "external_id": "ext-jane", "locale": "en-US",
		"billing_address": map[string]any{"line1": "1 Main St", "city": "San Francisco", "state": "CA", "postal_code": "94105", "country": "US"},
		"tax_id":          "91-1144442",
		"metadata":        map[string]any{"plan": "pro", "seats": 3, "trial": true, "ratio": 0.5},
	})
	id := r.str(cu, "id")
	r.call("get customer", "", "GET", "/v1/customers/"+id, nil, nil)
	r.call("get customer external", "", "GET", "/v1/customers/external/ext-jane", nil, nil)
	r.call("update customer", "", "PATCH", "/v1/customers/"+id, nil, map[string]any{"name": "Jane Q. Doe", "metadata": map[string]any{"plan": "team"}})
	r.call("get updated customer", "", "GET", "/v1/customers/"+id, nil, nil)
	second := r.call("create second customer", "", "POST", "/v1/customers/", nil, map[string]any{"email": "bob@example.com"})
	id2 := r.str(second, "id")
	r.call("list by email", "", "GET", "/v1/customers/", url.Values{"email": {"jane.doe@example.com"}}, nil)
	r.call("list by query, sorted", "", "GET", "/v1/customers/", url.Values{"query": {"example"}, "sorting": {"email"}}, nil)
	r.call("list page 2 of 1", "", "GET", "/v1/customers/", url.Values{"limit": {"1"}, "page": {"2"}, "sorting": {"-created_at"}}, nil)
	r.call("list by metadata", "", "GET", "/v1/customers/", url.Values{"metadata[plan]": {"team"}}, nil)
	r.call("duplicate email", "", "POST", "/v1/customers/", nil, map[string]any{"email": "jane.doe@example.com", "external_id": "ext-jane"})
	r.call("schema error", "", "POST", "/v1/customers/", nil, map[string]any{"email": 42, "metadata": "x"})
	r.call("unknown customer", "", "GET", "/v1/customers/6f1c2b7e-8a4d-4c3b-9e2f-1a2b3c4d5e6f", nil, nil)
	r.call("customer state", "", "GET", "/v1/customers/"+id+"/state", nil, nil)
	r.call("export", "", "GET", "/v1/customers/export", nil, nil)

	s := r.call("create session", "", "POST", "/v1/customer-sessions/", nil, map[string]any{
		"customer_id": id, "return_url": "https://shop.example/account", "metadata": map[string]any{"src": "cluster"},
	})
	tok, sid := r.str(s, "token"), r.str(s, "id")
	s2 := r.call("create session by external id", "", "POST", "/v1/customer-sessions/", nil, map[string]any{"external_customer_id": "ext-jane"})
	tok2 := r.str(s2, "token")
	r.call("portal me", tok, "GET", "/v1/customer-portal/customers/me", nil, nil)
	r.call("portal update me", tok, "PATCH", "/v1/customer-portal/customers/me", nil, map[string]any{"billing_name": "Jane Billing"})
	r.call("introspect", tok, "GET", "/v1/customer-portal/customer-session/introspect", nil, nil)
	r.call("portal user", tok, "GET", "/v1/customer-portal/customer-session/user", nil, nil)
	r.call("portal organization", "", "GET", "/v1/customer-portal/organizations/same", nil, nil)
	r.call("get session", "", "GET", "/v1/customer-sessions/"+sid, nil, nil)
	r.call("revoke session", "", "DELETE", "/v1/customer-sessions/"+sid, nil, nil)
	r.call("portal me with revoked session", tok, "GET", "/v1/customer-portal/customers/me", nil, nil)
	r.call("portal me with tampered token", e2etest.Tamper(tok2), "GET", "/v1/customer-portal/customers/me", nil, nil)
	r.call("logout", tok2, "DELETE", "/v1/customer-portal/customer-session", nil, nil)
	r.call("list sessions", "", "GET", "/v1/customer-sessions/", url.Values{"customer_id": {id}}, nil)
	r.call("delete second customer", "", "DELETE", "/v1/customers/"+id2, nil, nil)
	r.call("get deleted customer", "", "GET", "/v1/customers/"+id2, nil, nil)
	r.call("list after delete", "", "GET", "/v1/customers/", nil, nil)
}

var (
	uuidRE  = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	tokenRE = regexp.MustCompile(`gatehouse_[a-z]+_[0-9A-Za-z]+`)
	timeRE  = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	// usageRE matches a session's usage record, which a background timer
	// (every 5s) writes: whether it is set yet depends on timing, not on
	// the backend.
	usageRE = regexp.MustCompile(`"last_used_at":(null|"[^"]*"),"last_used_ip":(null|"[^"]*"),"last_used_user_agent":(null|"[^"]*")`)
)

// normalize renders each exchange as one line with IDs, tokens and times
// replaced by <id N>, <token N> and <time N>, numbered by first appearance
// across the whole transcript, and session usage records by <usage>.
func normalize(xs []exchange) []string {
	seen := map[string]string{}
	counts := map[string]int{}
	replace := func(re *regexp.Regexp, kind, s string) string {
		return re.ReplaceAllStringFunc(s, func(v string) string {
			if p, ok := seen[v]; ok {
				return p
			}
			counts[kind]++
			seen[v] = fmt.Sprintf("<%s %d>", kind, counts[kind])
			return seen[v]
		})
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		s := fmt.Sprintf("%s: %d %s %s", x.name, x.status, x.contentType, x.body)
		s = usageRE.ReplaceAllString(s, `"last_used":<usage>`)
		s = replace(tokenRE, "token", s)
		s = replace(uuidRE, "id", s)
		out[i] = replace(timeRE, "time", s)
	}
	return out
}

// checkTimes requires every time in the transcript in the contract's form
// (UTC, "Z", at most microseconds) and the creation times of the first
// customer and session read back exactly as first answered.
func checkTimes(t *testing.T, backend string, xs []exchange) {
	t.Helper()
	fractional := 0
	for _, x := range xs {
		for _, m := range timeRE.FindAllStringSubmatch(x.body, -1) {
			if m[2] != "Z" || len(m[1]) > 7 {
				t.Errorf("%s, %s: time %s is not UTC with at most microseconds", backend, x.name, m[0])
			}
			if _, err := time.Parse(time.RFC3339Nano, m[0]); err != nil {
				t.Errorf("%s, %s: time %s does not parse: %v", backend, x.name, m[0], err)
			}
			if len(m[1]) == 7 {
				fractional++
			}
		}
	}
	if fractional == 0 {
		t.Errorf("%s: no time carries microseconds", backend)
	}
	field := func(name, key string) string {
		for _, x := range xs {
			if x.name == name {
				var m map[string]any
				json.Unmarshal([]byte(x.body), &m)
				s, _ := m[key].(string)
				return s
			}
		}
		return ""
	}
	for _, p := range [][3]string{
		{"create customer", "get customer", "created_at"},
		{"update customer", "get updated customer", "modified_at"},
		{"create session", "get session", "created_at"},
		{"create session", "get session", "expires_at"},
		{"create session", "introspect", "expires_at"},
	} {
		a, b := field(p[0], p[2]), field(p[1], p[2])
		if a == "" || a != b {
			t.Errorf("%s: %s of %q is %q, read back by %q as %q; want the same non-empty time", backend, p[2], p[0], a, p[1], b)
		}
	}
	t.Logf("%s: %d times with microseconds; creation, modification and expiry times read back unchanged",
		backend, fractional)
}
