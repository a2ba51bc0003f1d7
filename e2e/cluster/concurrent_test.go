package cluster

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// raceCreates is how many creates of one email (or external ID) race.
const raceCreates = 40

// TestConcurrentCreatesAcrossInstances fires raceCreates identical creates,
// half at each instance, released at once: the unique rules of §C.2 must
// hold across processes, with the contract's 422 for every loser.
func TestConcurrentCreatesAcrossInstances(t *testing.T) {
	d := newPostgres(t)
	d.MustCLI(t, "migrate")
	o := d.MustOrg(t, "Org race", "race")
	a, b := d.MustServe(t), d.MustServe(t)
	clients := []*client.Client{a.Client(o.Token, bounded), b.Client(o.Token, bounded)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	t.Run("email", func(t *testing.T) {
		// The same address in different cases: uniqueness is
		// case-insensitive. The 422's input is the address as stored
		// (§1: domain lower-cased, local part kept).
		variants := []string{"race@example.com", "Race@Example.com", "RACE@EXAMPLE.COM", "race@EXAMPLE.com"}
		in := func(i int) apitype.CustomerCreate { return apitype.CustomerCreate{Email: variants[i%len(variants)]} }
		normalized := func(i int) any {
			local, domain, _ := strings.Cut(variants[i%len(variants)], "@")
			return local + "@" + strings.ToLower(domain)
		}
		winner := raceCreate(t, ctx, clients, in, "email", msgEmailTaken, normalized)
		for _, c := range clients {
			list, err := c.ListCustomers(ctx, client.ListCustomersParams{Email: "race@example.com"})
			if err != nil || list.Pagination.TotalCount != 1 || list.Items[0].ID != winner {
				t.Errorf("list by email on %s: got %+v, %s; want exactly the winner %s", c.BaseURL(), list, describe(err), winner)
			}
		}
	})
	t.Run("external_id", func(t *testing.T) {
		in := func(i int) apitype.CustomerCreate {
			return apitype.CustomerCreate{Email: fmt.Sprintf("ext%d@example.com", i), ExternalID: new("same-external-id")}
		}
		winner := raceCreate(t, ctx, clients, in, "external_id", msgExternalIDTaken, func(int) any { return "same-external-id" })
		for _, c := range clients {
			if got, err := c.GetCustomerExternal(ctx, "same-external-id"); err != nil || got.ID != winner {
				t.Errorf("get external on %s: got %+v, %s; want the winner %s", c.BaseURL(), got, describe(err), winner)
			}
		}
	})
	// Nothing else was written: the two winners are the whole list.
	list, err := clients[0].ListCustomers(ctx, client.ListCustomersParams{Limit: 100})
	if err != nil || list.Pagination.TotalCount != 2 {
		t.Errorf("list after the races: got %+v, %s; want 2 customers", list, describe(err))
	}
}

// raceCreate runs raceCreates creates (request i built by in(i), sent to
// clients[i%2]) released together, and requires exactly one 201 and a 422
// with msg at ["body", field] and input want(i) for every other. It returns
// the winner's ID.
func raceCreate(t *testing.T, ctx context.Context, clients []*client.Client, in func(int) apitype.CustomerCreate,
	field, msg string, want func(int) any) string {
	t.Helper()
	type result struct {
		c   *apitype.Customer
		err error
	}
	results := make([]result, raceCreates)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range raceCreates {
		wg.Go(func() {
			<-start
			c, err := clients[i%len(clients)].CreateCustomer(ctx, in(i))
			results[i] = result{c, err}
		})
	}
	close(start)
	wg.Wait()

	var winners []string
	losers := 0
	for i, r := range results {
		if r.err == nil {
			winners = append(winners, r.c.ID)
			continue
		}
		fe, ok := uniqueError(r.err)
		switch {
		case !ok:
			t.Errorf("create %d: got %s, want 201 or the contract's 422", i, describe(r.err))
		case fe.Msg != msg || fe.Type != "value_error" || fmt.Sprint(fe.Loc) != fmt.Sprint([]any{"body", field}) || fe.Input != want(i):
			t.Errorf("create %d: got 422 %+v, want value_error at [body %s] %q with input %v", i, fe, field, msg, want(i))
		default:
			losers++
		}
	}
	t.Logf("%s race: %d creates, %d x 201, %d x 422", field, raceCreates, len(winners), losers)
	if len(winners) != 1 || losers != raceCreates-1 {
		t.Fatalf("%s race: got %d x 201 %v and %d contract 422s, want 1 and %d", field, len(winners), winners, losers, raceCreates-1)
	}
	return winners[0]
}

// TestPoolFlags checks --db-max-conns and --db-statement-timeout on a real
// instance: a pool of 2 serves 30 concurrent requests without an error and
// never opens a third connection; a statement blocked behind a lock is cut
// off by the timeout with a 503 instead of hanging, and the instance
// answers normally once the lock is gone.
func TestPoolFlags(t *testing.T) {
	d := newPostgres(t)
	d.MustCLI(t, "migrate")
	o := d.MustOrg(t, "Org pool", "pool")
	in := d.MustServe(t, "--db-max-conns", "2", "--db-statement-timeout", "400ms")
	c := in.Client(o.Token, bounded)
	admin := d.adminDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	peak := watchConnections(t, ctx, admin, d.appName)
	const n = 30
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: fmt.Sprintf("pool%d@example.com", i)})
			if err == nil {
				_, err = c.GetCustomer(ctx, cu.ID)
			}
			if err == nil {
				_, err = c.ListCustomers(ctx, client.ListCustomersParams{Query: "pool"})
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request chain %d with --db-max-conns 2: %s", i, describe(err))
		}
	}
	if got := peak(); got > 2 || got == 0 {
		t.Errorf("peak connections of the instance: got %d, want 1 or 2 (--db-max-conns 2)", got)
	} else {
		t.Logf("30 concurrent request chains on --db-max-conns 2: all answered, peak %d connections", got)
	}

	// Hold an exclusive lock on the customers table: reads of it wait,
	// and the statement timeout must end the wait.
	tx, err := admin.BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "LOCK TABLE customers IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatalf("lock customers: %v", err)
	}
	began := time.Now()
	_, err = c.ListCustomers(ctx, client.ListCustomersParams{})
	took := time.Since(began)
	if client.StatusCode(err) != 503 || took > 3*time.Second {
		t.Errorf("list while customers is locked, statement timeout 400ms: got %s after %s, want 503 within 3s", describe(err), took)
	} else {
		t.Logf("list behind a lock: 503 after %s (statement timeout 400ms)", took.Round(time.Millisecond))
	}
	checkUnavailableBody(t, err, "list behind a lock")
	if err := tx.Rollback(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if list, err := c.ListCustomers(ctx, client.ListCustomersParams{Query: "pool", Limit: 100}); err != nil || list.Pagination.TotalCount != n {
		t.Errorf("list after the lock is gone: got %+v, %s; want %d customers", list, describe(err), n)
	}
}

// checkUnavailableBody fails t unless err is a 503 whose body is exactly the
// JSON error envelope, with no internal text.
func checkUnavailableBody(t *testing.T, err error, what string) {
	t.Helper()
	if client.StatusCode(err) != 503 {
		return
	}
	if problem := unavailableBodyProblem(err); problem != "" {
		t.Errorf("%s: %s", what, problem)
	}
}

// internalWords betray internal text in a response body.
var internalWords = []string{"sql", "pgx", "pgconn", "postgres", "dial", "tcp", "127.0.0.1", "connection", "terminat", "timeout", "context", "goroutine", "panic"}

// unavailableBodyProblem describes what is wrong with a 503 body, or "".
func unavailableBodyProblem(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return "not an API error: " + describe(err)
	}
	var body map[string]any
	if json.Unmarshal(ce.Body, &body) != nil || len(body) != 2 {
		return fmt.Sprintf("503 body %s is not the {\"error\",\"detail\"} envelope", ce.Body)
	}
	if e, ok := body["error"].(string); !ok || e == "" {
		return fmt.Sprintf("503 body %s has no error string", ce.Body)
	}
	if d, ok := body["detail"].(string); !ok || d == "" {
		return fmt.Sprintf("503 body %s has no detail string", ce.Body)
	}
	lower := strings.ToLower(string(ce.Body))
	for _, w := range internalWords {
		if strings.Contains(lower, w) {
			return fmt.Sprintf("503 body %s contains internal text %q", ce.Body, w)
		}
	}
	return ""
}

// watchConnections counts the backends of application app every few
// milliseconds until the returned function is called, which returns the
// highest count seen.
func watchConnections(t *testing.T, ctx context.Context, admin *sql.DB, app string) (stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan int)
	go func() {
		peak := 0
		for ctx.Err() == nil {
			var n int
			err := admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", app).Scan(&n)
			if err == nil {
				peak = max(peak, n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		done <- peak
	}()
	return func() int { cancel(); return <-done }
}
