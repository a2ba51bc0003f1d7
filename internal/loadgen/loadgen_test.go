package loadgen

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/customers"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/login"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// mustServer starts the real API on a real SQLite file and returns a client
// with an organization token of every scope.
func mustServer(t *testing.T) *client.Client {
	t.Helper()
	ctx := context.Background()
	st := sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	h := token.NewHasher("loadgen-test-secret")
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Load", Slug: "load", CreatedAt: time.Now().UTC()}
	if err := st.CreateOrganization(ctx, org); err != nil {
		t.Fatal(err)
	}
	raw := token.New(token.PrefixOrganization)
	if err := st.CreateAccessToken(ctx, &gatehouse.AccessToken{ID: gatehouse.NewID(), OrganizationID: org.ID,
		TokenHash: h.Hash(raw), Scopes: gatehouse.OrganizationScopes, CreatedAt: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	svc := login.New(login.Config{Store: st, Customers: customers.New(st, nil), Hasher: h, PublicURL: "http://127.0.0.1"})
	t.Cleanup(func() { _ = svc.Close(context.Background()) })
	api, err := httpapi.New(httpapi.Config{Store: st, Customers: customers.New(st, nil), Webhooks: webhooks.NewEndpoints(st, nil, false), Hasher: h, Login: svc})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return client.New(srv.URL, client.WithToken(raw))
}

func TestRunBoundedByMaxRequests(t *testing.T) {
	c := mustServer(t)
	l := NewLedger()
	res, err := Run(context.Background(), c, l, Config{MaxRequests: 300, Workers: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total() != 300 {
		t.Errorf("Total: got %d, want 300 (MaxRequests)", res.Total())
	}
	if n := res.UnexpectedCount(); n != 0 {
		t.Fatalf("unexpected errors: %d: %v\n%s", n, res.Unexpected, res)
	}
	customers, sessions, _ := l.Counts()
	if customers == 0 || sessions == 0 {
		t.Fatalf("ledger: %d customers, %d sessions; want some of each\n%s", customers, sessions, res)
	}
	if errs := Verify(context.Background(), c, l); len(errs) > 0 {
		t.Fatalf("Verify on a server that never crashed: %v", errs)
	}
}

// TestRunPacedAndTimed checks the pacer and the clock with bounds that a
// slow or loaded machine cannot break: the pacer never runs faster than its
// rate (beyond a burst of two), and a timed run stops.
func TestRunPacedAndTimed(t *testing.T) {
	c := mustServer(t)
	res, err := Run(context.Background(), c, NewLedger(), Config{Rate: 200, MaxRequests: 40, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Total(); n != 40 {
		t.Errorf("Total with MaxRequests 40: got %d", n)
	}
	if min := 38 * time.Second / 200; res.Elapsed < min {
		t.Errorf("40 requests at 200/s took %s, want at least %s: the pacer ran too fast", res.Elapsed, min)
	}
	res, err = Run(context.Background(), c, NewLedger(), Config{Rate: 100, Duration: 300 * time.Millisecond, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Total(); n > 32 {
		t.Errorf("Total at 100/s for 300ms: got %d, want at most 32", n)
	}
	if res.Elapsed > 30*time.Second {
		t.Errorf("a 300ms run took %s: Duration does not stop it", res.Elapsed)
	}
}

// TestVerifyCatchesLoss tampers with the ledger the way a lost write would
// look, and checks Verify reports each case.
func TestVerifyCatchesLoss(t *testing.T) {
	c := mustServer(t)
	l := NewLedger()
	if _, err := Run(context.Background(), c, l, Config{MaxRequests: 60, Workers: 2, Seed: 2,
		Ops: []Op{{OpCreateCustomer, 1, CreateCustomer}, {OpCreateSession, 1, CreateSession}}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	custs := l.Customers()
	sess := l.Sessions()
	if len(custs) < 2 || len(sess) < 1 {
		t.Fatalf("want at least 2 customers and a session, got %d, %d", len(custs), len(sess))
	}
	l.mu.Lock()
	l.customers = append(l.customers, &CustomerRecord{ID: gatehouse.NewID(), Email: "ghost@example.com", ExternalID: "ghost"})
	l.customers[0].Gen = 5       // an acknowledged update the server lacks
	l.sessions[0].Revoked = true // an acknowledged revoke that did not hold
	l.sessions = append(l.sessions, &SessionRecord{ID: "s", Token: token.New(token.PrefixSession), CustomerID: custs[1].ID})
	l.mu.Unlock()
	errs := Verify(ctx, c, l)
	joined := ""
	for _, e := range errs {
		joined += e.Error() + "\n"
	}
	for _, want := range []string{"acknowledged create", "generation 0, want the acknowledged 5", "still works", "session s"} {
		if !strings.Contains(joined, want) {
			t.Errorf("Verify: no error mentioning %q; got:\n%s", want, joined)
		}
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "https://example.com", "http://0.0.0.0:80"} {
		if _, err := Run(context.Background(), client.New(u), NewLedger(), Config{MaxRequests: 1}); err == nil {
			t.Errorf("Run against %s: got nil error, want a refusal", u)
		}
	}
}

func TestClassify(t *testing.T) {
	srvErr := &client.Error{StatusCode: 500}
	notFound := &client.Error{StatusCode: 404}
	cases := []struct {
		err       error
		transport bool
		want      Class
	}{
		{nil, false, ClassOK},
		{srvErr, true, ClassUnexpected},
		{notFound, false, ClassUnexpected},
		{Expected(notFound), false, ClassExpected},
		{context.DeadlineExceeded, false, ClassUnexpected},
	}
	for _, tc := range cases {
		if got := Classify(tc.err, tc.transport); got != tc.want {
			t.Errorf("Classify(%v, %v): got %d, want %d", tc.err, tc.transport, got, tc.want)
		}
	}
	// A refused connection: expected only while a crash is under way.
	_, err := client.New("http://127.0.0.1:1").GetCustomer(context.Background(), "x")
	if Classify(err, true) != ClassExpected || Classify(err, false) != ClassUnexpected {
		t.Errorf("connection refused (%v): got %d/%d, want expected/unexpected", err, Classify(err, true), Classify(err, false))
	}
}

func TestPool(t *testing.T) {
	var p pool[int]
	for i := range 5 {
		p.add(i)
	}
	p.add(3) // duplicate: ignored
	p.remove(0)
	p.remove(4)
	p.remove(9) // absent: ignored
	if len(p.items) != 3 {
		t.Fatalf("pool after 5 adds and 2 removes: got %d items, want 3", len(p.items))
	}
	seen := map[int]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		x, ok := p.pick(r)
		if !ok || x == 0 || x == 4 {
			t.Fatalf("pick: got %d, %v; want one of 1, 2, 3", x, ok)
		}
		seen[x] = true
	}
	if len(seen) != 3 {
		t.Errorf("200 picks saw %v, want all of 1, 2, 3", seen)
	}
}
