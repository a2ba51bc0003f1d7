package webhooks_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// The engine tests run the real thing: a migrated store (SQLite file or
// PostgreSQL schema), River, and a receiver on loopback (hence
// AllowPrivate). Retries use a scaled-down schedule (RetryBase).

// post is one request the receiver got.
type post struct {
	key         string // customer id "/" n, from the body
	id, ts, sig string
	body        []byte
	at          time.Time
	code        int
}

// receiver is a real HTTP server that records every POST and answers
// the first fails[key] requests of an event with 500 (key: the body's
// data.id "/" data.n, see payload; "*": every event).
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	posts    []post
	fails    map[string]int // key -> failures left
	inflight map[string]bool
	overlaps int // a POST of an event while another of it was in flight
	delay    time.Duration
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{fails: map[string]int{}, inflight: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("webhook-id")
	var env struct {
		Data struct {
			ID string `json:"id"`
			N  int    `json:"n"`
		} `json:"data"`
	}
	json.Unmarshal(body, &env)
	key := env.Data.ID + "/" + strconv.Itoa(env.Data.N)
	r.mu.Lock()
	if r.inflight[id] {
		r.overlaps++
	}
	r.inflight[id] = true
	code := 200
	if n := r.fails[key]; n > 0 {
		r.fails[key] = n - 1
		code = 500
	} else if r.fails["*"] > 0 {
		code = 500
	}
	delay := r.delay
	r.mu.Unlock()
	time.Sleep(delay)
	r.mu.Lock()
	r.posts = append(r.posts, post{key: key, id: id, ts: req.Header.Get("webhook-timestamp"), sig: req.Header.Get("webhook-signature"),
		body: body, at: time.Now(), code: code})
	delete(r.inflight, id)
	r.mu.Unlock()
	w.WriteHeader(code)
	fmt.Fprintf(w, "answer %d", code)
}

func (r *receiver) failFirst(c *gatehouse.Customer, n, times int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails[key(c, n)] = times
}

func key(c *gatehouse.Customer, n int) string { return c.ID + "/" + strconv.Itoa(n) }

// postsOf returns the POSTs of customer c's n-th event.
func (r *receiver) postsOf(c *gatehouse.Customer, n int) []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []post
	for _, p := range r.posts {
		if p.key == key(c, n) {
			out = append(out, p)
		}
	}
	return out
}

func (r *receiver) all() []post {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.posts)
}

// env is a store with an engine on it and an organization with one
// endpoint pointing at a receiver.
type env struct {
	st   *sqlstore.Store
	eng  *webhooks.Engine
	org  *gatehouse.Organization
	ep   *gatehouse.WebhookEndpoint
	rcv  *receiver
	logs *syncBuffer
	now  atomic.Pointer[time.Time]
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// mustOpen opens a store on dsn with a sealer (endpoints need one).
func mustOpen(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	sealer, err := token.NewSealer("test server secret")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Sealer: sealer})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// mustEngine builds an engine on st (not started).
func mustEngine(t *testing.T, e *env, st *sqlstore.Store) *webhooks.Engine {
	t.Helper()
	eng, err := webhooks.New(webhooks.Config{
		DB: st.DB(), Dialect: st.Dialect(), Store: st,
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Now:          func() time.Time { return *e.now.Load() },
		AllowPrivate: true,
		RetryBase:    time.Millisecond,
		Workers:      8,
	})
	if err != nil {
		t.Fatalf("webhooks.New: %v", err)
	}
	st.SetWebhookQueue(eng)
	return eng
}

func start(t *testing.T, eng *webhooks.Engine) {
	t.Helper()
	if err := eng.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
}

// newEnv migrates a store on dsn and builds (but does not start) its
// engine.
func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	e := &env{logs: &syncBuffer{}, rcv: newReceiver(t)}
	now := time.Now()
	e.now.Store(&now)
	e.st = mustStore(t, dsn)
	e.eng = mustEngine(t, e, e.st)
	ctx := context.Background()
	e.org = &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme-" + gatehouse.NewID()[:8], CreatedAt: now}
	if err := e.st.CreateOrganization(ctx, e.org); err != nil {
		t.Fatalf("create organization: %v", err)
	}
	e.ep = e.mustEndpoint(t, e.rcv.srv.URL+"/hook?token=tok-in-url")
	return e
}

func (e *env) mustEndpoint(t *testing.T, url string) *gatehouse.WebhookEndpoint {
	t.Helper()
	ep := &gatehouse.WebhookEndpoint{OrganizationID: e.org.ID, CreatedAt: time.Now(), URL: url,
		Format: gatehouse.WebhookFormatRaw, Secret: testSecret, Enabled: true,
		Events: []string{gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated}}
	if err := e.st.CreateWebhookEndpoint(context.Background(), ep); err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	return ep
}

func payload(typ string, c *gatehouse.Customer, n int) []byte {
	return fmt.Appendf(nil, `{"type":%q,"timestamp":"2026-10-01T12:00:00.000Z","data":{"id":%q,"email":%q,"n":%d}}`, typ, c.ID, *c.Email, n)
}

// mustCustomer creates a customer (customer.created) and returns it.
func (e *env) mustCustomer(t *testing.T) *gatehouse.Customer {
	t.Helper()
	return e.mustCustomerID(t, gatehouse.NewID())
}

func eventFor(c *gatehouse.Customer, typ string, n int) gatehouse.Event {
	return gatehouse.Event{Type: typ, OrganizationID: c.OrganizationID, CustomerID: c.ID, Timestamp: time.Now(), Payload: payload(typ, c, n)}
}

func (e *env) mustUpdate(t *testing.T, c *gatehouse.Customer, n int) {
	t.Helper()
	name := "n" + strconv.Itoa(n)
	c.Name = &name
	if err := e.st.UpdateCustomer(context.Background(), c, eventFor(c, gatehouse.EventCustomerUpdated, n)); err != nil {
		t.Fatalf("update customer: %v", err)
	}
}

// deliveries returns every delivery of the organization, oldest first.
func (e *env) deliveries(t *testing.T) []*gatehouse.WebhookDelivery {
	t.Helper()
	ds, _, err := e.st.ListWebhookDeliveries(context.Background(), e.org.ID, gatehouse.WebhookDeliveryFilter{Page: gatehouse.Page{Page: 1, Limit: 100}})
	if err != nil {
		t.Fatalf("list deliveries: %v", err)
	}
	slices.Reverse(ds)
	return ds
}

// waitFor polls cond until it holds or 30 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func legacyValid(secret string, p post) bool {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(p.id + "." + p.ts + "." + string(p.body)))
	return slices.Contains(strings.Split(p.sig, " "), "v1,"+base64.StdEncoding.EncodeToString(h.Sum(nil)))
}

const webhooksRetention = webhooks.DefaultRetention

// mustCustomerID creates a customer with the given id (customer.created).
func (e *env) mustCustomerID(t *testing.T, id string) *gatehouse.Customer {
	t.Helper()
	email := "c-" + gatehouse.NewID()[:12] + "@example.com"
	c := &gatehouse.Customer{ID: id, OrganizationID: e.org.ID, CreatedAt: time.Now(), Email: &email, Type: gatehouse.CustomerIndividual}
	if err := e.st.CreateCustomer(context.Background(), c, eventFor(c, gatehouse.EventCustomerCreated, 0)); err != nil {
		t.Fatalf("create customer: %v", err)
	}
	return c
}
