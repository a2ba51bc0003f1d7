package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
)

// The Webhooks group needs two things of a backend beyond gatehouse.Store,
// found on the store or on what it wraps (Unwrap): SetWebhookQueue, and
// its raw database (DB and Dialect), to check what is stored. The store
// must be opened with a Sealer (Sealer gives one).

type queueSetter interface {
	SetWebhookQueue(gatehouse.WebhookQueue)
}

type rawDB interface {
	DB() *sql.DB
	Dialect() string
}

// Sealer returns a sealer for test stores.
func Sealer(t testing.TB) gatehouse.Sealer {
	t.Helper()
	s, err := token.NewSealer("storetest-secret", "storetest-previous-secret")
	if err != nil {
		t.Fatalf("new sealer: %v", err)
	}
	return s
}

// unwrap finds a T on s or on the stores it wraps.
func unwrap[T any](s gatehouse.Store) (T, bool) {
	for {
		if v, ok := s.(T); ok {
			return v, true
		}
		u, ok := s.(interface{ Unwrap() gatehouse.Store })
		if !ok {
			var zero T
			return zero, false
		}
		s = u.Unwrap()
	}
}

// recordingQueue is a real WebhookQueue: it records the jobs it gets and
// inserts each into storetest_webhook_jobs in the store's transaction, so
// the table holds exactly the jobs of the transactions that committed.
type recordingQueue struct {
	db   *sql.DB
	pg   bool
	fail error // when set, EnqueueTx fails with it

	mu   sync.Mutex
	jobs []gatehouse.WebhookJob
}

func (q *recordingQueue) EnqueueTx(ctx context.Context, tx any, jobs []gatehouse.WebhookJob) error {
	stx, ok := tx.(*sql.Tx)
	if !ok {
		return fmt.Errorf("EnqueueTx: got tx of type %T, want *sql.Tx", tx)
	}
	q.mu.Lock()
	fail := q.fail
	q.jobs = append(q.jobs, jobs...)
	q.mu.Unlock()
	if fail != nil {
		return fail
	}
	ins := `INSERT INTO storetest_webhook_jobs (event_id, redeliver) VALUES (?, ?)`
	if q.pg {
		ins = `INSERT INTO storetest_webhook_jobs (event_id, redeliver) VALUES ($1, $2)`
	}
	for _, j := range jobs {
		if _, err := stx.ExecContext(ctx, ins, j.EventID, j.Redeliver); err != nil {
			return err
		}
	}
	return nil
}

func (q *recordingQueue) setFail(err error) {
	q.mu.Lock()
	q.fail = err
	q.mu.Unlock()
}

// committed returns the committed jobs, in insertion order, after the
// first skip.
func (q *recordingQueue) committed(t *testing.T, skip int) []gatehouse.WebhookJob {
	t.Helper()
	rows, err := q.db.QueryContext(ctx, `SELECT event_id, redeliver FROM storetest_webhook_jobs ORDER BY n`)
	mustOK(t, err, "read committed jobs")
	defer rows.Close()
	var out []gatehouse.WebhookJob
	for i := 0; rows.Next(); i++ {
		var j gatehouse.WebhookJob
		mustOK(t, rows.Scan(&j.EventID, &j.Redeliver), "scan committed job")
		if i >= skip {
			out = append(out, j)
		}
	}
	mustOK(t, rows.Err(), "read committed jobs")
	return out
}

// jobsOf counts the committed jobs of an event.
func (q *recordingQueue) jobsOf(t *testing.T, eventID string) (n int) {
	t.Helper()
	for _, j := range q.committed(t, 0) {
		if j.EventID == eventID {
			n++
		}
	}
	return n
}

// whEnv is the Webhooks group's store with its queue and raw database.
type whEnv struct {
	s  gatehouse.Store
	q  *recordingQueue
	db *sql.DB
	pg bool
}

// rebind turns ? into $n on PostgreSQL.
func (e *whEnv) rebind(query string) string {
	if !e.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// count runs a count(*) query on the raw database.
func (e *whEnv) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	mustOK(t, e.db.QueryRowContext(ctx, e.rebind(query), args...).Scan(&n), "count: "+query)
	return n
}

func newWHEnv(t *testing.T, s gatehouse.Store) *whEnv {
	t.Helper()
	qs, ok := unwrap[queueSetter](s)
	if !ok {
		t.Fatalf("store %T has no SetWebhookQueue (on it or on what it wraps)", s)
	}
	raw, ok := unwrap[rawDB](s)
	if !ok {
		t.Fatalf("store %T has no DB and Dialect (on it or on what it wraps)", s)
	}
	e := &whEnv{s: s, db: raw.DB(), pg: raw.Dialect() == "postgres"}
	table := `CREATE TABLE storetest_webhook_jobs (n INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, redeliver BOOLEAN NOT NULL)`
	if e.pg {
		table = `CREATE TABLE storetest_webhook_jobs (n BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id TEXT NOT NULL, redeliver BOOLEAN NOT NULL)`
	}
	_, err := e.db.ExecContext(ctx, table)
	mustOK(t, err, "create storetest_webhook_jobs")
	e.q = &recordingQueue{db: e.db, pg: e.pg}
	qs.SetWebhookQueue(e.q)
	return e
}

func testWebhooks(t *testing.T, s gatehouse.Store) {
	e := newWHEnv(t, s)
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, e *whEnv)
	}{
		{"Endpoints", testWebhookEndpoints},
		{"SecretsSealed", testWebhookSecretsSealed},
		{"FanOut", testWebhookFanOut},
		{"NoEventsWhenTheChangeFails", testWebhookNoEventsOnFailure},
		{"SessionEvents", testWebhookSessionEvents},
		{"SessionEventsUnsubscribed", testWebhookSessionEventsUnsubscribed},
		{"SessionEventsRollback", testWebhookSessionEventsRollback},
		{"Ordering", testWebhookOrdering},
		{"OrderingRace", testWebhookOrderingRace},
		{"Redeliver", testWebhookRedeliver},
		{"Claims", testWebhookClaims},
		{"AutoDisable", testWebhookAutoDisable},
		{"Deliveries", testWebhookDeliveries},
		{"Archive", testWebhookArchive},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, e) })
	}
}

// newEndpoint returns an enabled endpoint of org subscribed to events.
func newEndpoint(org *gatehouse.Organization, created time.Time, events ...string) *gatehouse.WebhookEndpoint {
	return &gatehouse.WebhookEndpoint{ID: uniq("whe-"), OrganizationID: org.ID, CreatedAt: created,
		URL: "https://hooks.example.com/" + uniq("h"), Name: new("Hook"), Format: gatehouse.WebhookFormatRaw,
		Secret: "whsec_" + uniq("secret-"), Events: events, Enabled: true}
}

func mustEndpoint(t *testing.T, s gatehouse.Store, org *gatehouse.Organization, events ...string) *gatehouse.WebhookEndpoint {
	t.Helper()
	ep := newEndpoint(org, T0, events...)
	mustOK(t, s.CreateWebhookEndpoint(ctx, ep), "create webhook endpoint")
	return ep
}

// whEvent is an event of customer c of type typ at ts.
func whEvent(c *gatehouse.Customer, typ string, ts time.Time) gatehouse.Event {
	return gatehouse.Event{Type: typ, OrganizationID: c.OrganizationID, CustomerID: c.ID, Timestamp: ts,
		Payload: []byte(`{"type":"` + typ + `","timestamp":"` + ts.UTC().Format(time.RFC3339Nano) + `","data":{"id":"` + c.ID + `"}}`)}
}

// eventsOfJobs loads the events of jobs, failing on a redelivery job.
func eventsOfJobs(t *testing.T, s gatehouse.Store, orgID string, jobs []gatehouse.WebhookJob) []*gatehouse.WebhookEvent {
	t.Helper()
	var out []*gatehouse.WebhookEvent
	for _, j := range jobs {
		if j.Redeliver {
			t.Fatalf("fan-out job %+v: want Redeliver false", j)
		}
		ev, err := s.WebhookEvent(ctx, orgID, j.EventID)
		mustOK(t, err, "event of job "+j.EventID)
		out = append(out, ev)
	}
	return out
}

func testWebhookFanOut(t *testing.T, e *whEnv) {
	s := e.s
	org, other := mustOrg(t, s), mustOrg(t, s)
	a := mustEndpoint(t, s, org, gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated)
	b := mustEndpoint(t, s, org, gatehouse.EventCustomerUpdated)
	disabled := newEndpoint(org, T0, gatehouse.WebhookEventTypes...)
	disabled.Enabled = false
	mustOK(t, s.CreateWebhookEndpoint(ctx, disabled), "create disabled endpoint")
	deleted := mustEndpoint(t, s, org, gatehouse.WebhookEventTypes...)
	deleted.DeletedAt = new(at(time.Second))
	mustOK(t, s.UpdateWebhookEndpoint(ctx, deleted), "delete endpoint")
	foreign := mustEndpoint(t, s, other, gatehouse.WebhookEventTypes...)

	mark := len(e.q.committed(t, 0))
	c := newCustomer(org, uniq("fan")+"@example.com")
	created := whEvent(c, gatehouse.EventCustomerCreated, at(time.Minute))
	mustOK(t, s.CreateCustomer(ctx, c, created, whEvent(c, gatehouse.EventCustomerStateChanged, at(time.Minute))), "create customer with events")
	jobs := e.q.committed(t, mark)
	evs := eventsOfJobs(t, s, org.ID, jobs)
	if len(evs) != 1 || evs[0].EndpointID != a.ID || evs[0].Type != gatehouse.EventCustomerCreated {
		t.Fatalf("create: got events %s, want one customer.created for endpoint %s", dump(evs), a.ID)
	}
	want := &gatehouse.WebhookEvent{ID: jobs[0].EventID, OrganizationID: org.ID, EndpointID: a.ID, CustomerID: c.ID,
		Type: gatehouse.EventCustomerCreated, CreatedAt: utcMicro(created.Timestamp), Payload: new(string(created.Payload))}
	if !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("stored event:\n got %s\nwant %s", dump(evs[0]), dump(want))
	}

	mark += len(jobs)
	c.Name, c.ModifiedAt = new("Changed"), new(at(2*time.Minute))
	mustOK(t, s.UpdateCustomer(ctx, c, whEvent(c, gatehouse.EventCustomerUpdated, at(2*time.Minute))), "update customer with events")
	evs = eventsOfJobs(t, s, org.ID, e.q.committed(t, mark))
	got := map[string]string{}
	for _, ev := range evs {
		got[ev.EndpointID] = ev.Type
	}
	if len(evs) != 2 || got[a.ID] != gatehouse.EventCustomerUpdated || got[b.ID] != gatehouse.EventCustomerUpdated {
		t.Fatalf("update: got events %s, want customer.updated for %s and %s", dump(evs), a.ID, b.ID)
	}
	for _, ep := range []*gatehouse.WebhookEndpoint{disabled, deleted, foreign} {
		if n := e.count(t, `SELECT count(*) FROM webhook_events WHERE endpoint_id = ?`, ep.ID); n != 0 {
			t.Fatalf("endpoint %s (disabled, deleted or of another organization) got %d events, want 0", ep.ID, n)
		}
	}
	// No events: nothing is written or enqueued.
	mark = len(e.q.committed(t, 0))
	c.ModifiedAt = new(at(3 * time.Minute))
	mustOK(t, s.UpdateCustomer(ctx, c), "update customer without events")
	if jobs := e.q.committed(t, mark); len(jobs) != 0 {
		t.Fatalf("update without events enqueued %v", jobs)
	}
}

func testWebhookNoEventsOnFailure(t *testing.T, e *whEnv) {
	s := e.s
	org := mustOrg(t, s)
	mustEndpoint(t, s, org, gatehouse.WebhookEventTypes...)
	taken := mustCustomer(t, s, org, uniq("taken")+"@example.com")
	rows := e.count(t, `SELECT count(*) FROM webhook_events`)
	mark := len(e.q.committed(t, 0))

	dup := newCustomer(org, *taken.Email)
	err := s.CreateCustomer(ctx, dup, whEvent(dup, gatehouse.EventCustomerCreated, T0))
	wantCode(t, err, gatehouse.EConflict, "create with a taken email")
	upd := *taken
	upd.ID, upd.Email = uniq("cus-"), new(uniq("x")+"@example.com")
	wantCode(t, s.UpdateCustomer(ctx, &upd, whEvent(&upd, gatehouse.EventCustomerUpdated, T0)), gatehouse.ENotFound, "update a missing customer")
	second := mustCustomer(t, s, org, uniq("second")+"@example.com") // no events: no jobs
	second.Email = taken.Email
	wantCode(t, s.UpdateCustomer(ctx, second, whEvent(second, gatehouse.EventCustomerUpdated, T0)), gatehouse.EConflict, "update to a taken email")

	// A queue that fails fails the change: no customer, no event.
	e.q.setFail(errors.New("queue down"))
	failing := newCustomer(org, uniq("qfail")+"@example.com")
	err = s.CreateCustomer(ctx, failing, whEvent(failing, gatehouse.EventCustomerCreated, T0))
	e.q.setFail(nil)
	if err == nil {
		t.Fatal("create customer with a failing queue: got nil error")
	}
	_, err = s.Customer(ctx, org.ID, failing.ID)
	wantCode(t, err, gatehouse.ENotFound, "customer whose events could not be enqueued")

	if n := e.count(t, `SELECT count(*) FROM webhook_events`); n != rows {
		t.Fatalf("webhook_events after failed changes: got %d rows, want %d", n, rows)
	}
	if jobs := e.q.committed(t, mark); len(jobs) != 0 {
		t.Fatalf("failed changes committed jobs %v", jobs)
	}
}
