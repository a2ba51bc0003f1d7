package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// change updates c with one event per type and returns the IDs of the
// events written for endpoint ep, by type.
func (e *whEnv) change(t *testing.T, c *gatehouse.Customer, ep *gatehouse.WebhookEndpoint, ts time.Time, types ...string) map[string]string {
	t.Helper()
	mark := len(e.q.committed(t, 0))
	evs := make([]gatehouse.Event, len(types))
	for i, typ := range types {
		evs[i] = whEvent(c, typ, ts)
	}
	c.ModifiedAt = new(ts)
	mustOK(t, e.s.UpdateCustomer(ctx, c, evs...), "update customer with events")
	out := map[string]string{}
	for _, ev := range eventsOfJobs(t, e.s, c.OrganizationID, e.q.committed(t, mark)) {
		if ev.EndpointID == ep.ID {
			out[ev.Type] = ev.ID
		}
	}
	if len(out) != len(types) {
		t.Fatalf("change with %v: got events %v for endpoint %s, want one per type", types, out, ep.ID)
	}
	return out
}

// finish records a final or not attempt of event id and returns disabled.
func (e *whEnv) finish(t *testing.T, id string, ok bool, code int, ts time.Time, final bool) bool {
	t.Helper()
	d := &gatehouse.WebhookDelivery{EventID: id, CreatedAt: ts, Succeeded: ok, HTTPCode: &code, Response: new("answer")}
	disabled, err := e.s.FinishWebhookAttempt(ctx, d, final)
	mustOK(t, err, "finish attempt of "+id)
	return disabled
}

// begin starts an attempt and checks whether it must wait.
func (e *whEnv) begin(t *testing.T, id string, redeliver, wantWait bool) *gatehouse.WebhookAttempt {
	t.Helper()
	a, err := e.s.BeginWebhookAttempt(ctx, id, redeliver, gatehouse.WebhookClaim{})
	mustOK(t, err, "begin attempt of "+id)
	if (a == nil) != wantWait {
		t.Fatalf("BeginWebhookAttempt(%s, redeliver %v): got attempt %v, want waiting %v", id, redeliver, a != nil, wantWait)
	}
	if a != nil && a.Event.ID != id {
		t.Fatalf("attempt of %s: got event %s", id, a.Event.ID)
	}
	return a
}

func (e *whEnv) waiting(t *testing.T, id string) bool {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM webhook_events WHERE id = ? AND waiting = ?`, id, true) == 1
}

func (e *whEnv) event(t *testing.T, orgID, id string) *gatehouse.WebhookEvent {
	t.Helper()
	ev, err := e.s.WebhookEvent(ctx, orgID, id)
	mustOK(t, err, "get event "+id)
	return ev
}

func testWebhookOrdering(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	ep := mustEndpoint(t, e.s, org, gatehouse.WebhookEventTypes...)
	c := mustCustomer(t, e.s, org, uniq("order")+"@example.com")
	ids := e.change(t, c, ep, at(time.Minute), gatehouse.EventCustomerUpdated, gatehouse.EventCustomerStateChanged)
	e1, e2 := ids[gatehouse.EventCustomerUpdated], ids[gatehouse.EventCustomerStateChanged]

	e.begin(t, e2, false, true)
	if !e.waiting(t, e2) {
		t.Fatal("e2 begun before e1 finished: not marked waiting")
	}
	a := e.begin(t, e1, false, false)
	if a.Deliveries != 0 || a.Endpoint == nil || a.Endpoint.ID != ep.ID || a.Endpoint.Secret != ep.Secret || a.Event.Payload == nil {
		t.Fatalf("first attempt of e1: got %s, want 0 deliveries, endpoint %s with its secret, a payload", dump(a), ep.ID)
	}
	e.finish(t, e1, false, 500, at(2*time.Minute), false)
	if n := e.q.jobsOf(t, e2); n != 1 {
		t.Fatalf("a non-final failure of e1 enqueued e2: got %d jobs of e2, want 1 (the fan-out's)", n)
	}
	e.begin(t, e2, false, true)
	if a := e.begin(t, e1, false, false); a.Deliveries != 1 {
		t.Fatalf("second attempt of e1: got %d deliveries so far, want 1", a.Deliveries)
	}
	e.finish(t, e1, true, 200, at(3*time.Minute), true)
	if n := e.q.jobsOf(t, e2); n != 2 || e.waiting(t, e2) {
		t.Fatalf("after e1 finished: got %d jobs of e2 (waiting %v), want 2, not waiting", n, e.waiting(t, e2))
	}
	if ev := e.event(t, org.ID, e1); ev.Succeeded == nil || !*ev.Succeeded || ev.LastHTTPCode == nil || *ev.LastHTTPCode != 200 ||
		ev.ModifiedAt == nil || !ev.ModifiedAt.Equal(utcMicro(at(3*time.Minute))) {
		t.Fatalf("finished e1: got %s, want succeeded, last_http_code 200, modified at the attempt", dump(ev))
	}
	e.begin(t, e1, false, true) // a duplicate job of a finished event has nothing to do
	e.begin(t, e2, false, false)

	// Another customer's event does not wait for c's.
	c2 := mustCustomer(t, e.s, org, uniq("order2")+"@example.com")
	e3 := e.change(t, c2, ep, at(4*time.Minute), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	e4 := e.change(t, c, ep, at(5*time.Minute), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	e.begin(t, e3, false, false)
	e.begin(t, e4, false, true)
	// Skipping e2 releases e4.
	mustOK(t, e.s.SkipWebhookEvent(ctx, e2), "skip e2")
	if ev := e.event(t, org.ID, e2); !ev.Skipped || ev.Succeeded != nil {
		t.Fatalf("skipped e2: got %s, want skipped, succeeded null", dump(ev))
	}
	if n := e.q.jobsOf(t, e4); n != 2 {
		t.Fatalf("after skipping e2: got %d jobs of e4, want 2", n)
	}
	e.begin(t, e4, false, false)

	_, err := e.s.BeginWebhookAttempt(ctx, "missing", false, gatehouse.WebhookClaim{})
	wantCode(t, err, gatehouse.ENotFound, "begin a missing event")
	_, err = e.s.FinishWebhookAttempt(ctx, &gatehouse.WebhookDelivery{EventID: "missing", CreatedAt: T0}, true)
	wantCode(t, err, gatehouse.ENotFound, "finish a missing event")
	wantCode(t, e.s.SkipWebhookEvent(ctx, "missing"), gatehouse.ENotFound, "skip a missing event")
	_, err = e.s.WebhookEvent(ctx, mustOrg(t, e.s).ID, e1)
	wantCode(t, err, gatehouse.ENotFound, "event of another organization")
}

// testWebhookOrderingRace races BeginWebhookAttempt of e2 against the
// final FinishWebhookAttempt of e1: e2 must end up attempted or enqueued.
func testWebhookOrderingRace(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	ep := mustEndpoint(t, e.s, org, gatehouse.WebhookEventTypes...)
	c := mustCustomer(t, e.s, org, uniq("race")+"@example.com")
	attempted, released := 0, 0
	for i := range 60 {
		ts := at(time.Duration(i) * time.Minute)
		ids := e.change(t, c, ep, ts, gatehouse.EventCustomerUpdated, gatehouse.EventCustomerStateChanged)
		e1, e2 := ids[gatehouse.EventCustomerUpdated], ids[gatehouse.EventCustomerStateChanged]
		e.begin(t, e1, false, false)
		var (
			wg         sync.WaitGroup
			a2         *gatehouse.WebhookAttempt
			err1, err2 error
		)
		start := make(chan struct{})
		wg.Go(func() {
			<-start
			_, err1 = e.s.FinishWebhookAttempt(ctx, &gatehouse.WebhookDelivery{EventID: e1, CreatedAt: ts, Succeeded: true, HTTPCode: new(200)}, true)
		})
		wg.Go(func() {
			<-start
			a2, err2 = e.s.BeginWebhookAttempt(ctx, e2, false, gatehouse.WebhookClaim{})
		})
		close(start)
		wg.Wait()
		mustOK(t, err1, "finish e1")
		mustOK(t, err2, "begin e2")
		jobs := e.q.jobsOf(t, e2)
		switch {
		case a2 == nil && (jobs != 2 || e.waiting(t, e2)):
			t.Fatalf("round %d: e2 waited but was not released: %d jobs, waiting %v; want 2 jobs, not waiting (lost)", i, jobs, e.waiting(t, e2))
		case a2 != nil && jobs != 1:
			t.Fatalf("round %d: e2 was attempted and also enqueued again: %d jobs, want 1", i, jobs)
		case a2 == nil:
			released++
			e.begin(t, e2, false, false)
		default:
			attempted++
		}
		e.finish(t, e2, true, 200, ts, true)
	}
	t.Logf("e2 attempted at once %d times, released by e1's finish %d times", attempted, released)
}

func testWebhookRedeliver(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	ep := mustEndpoint(t, e.s, org, gatehouse.WebhookEventTypes...)
	c := mustCustomer(t, e.s, org, uniq("redeliver")+"@example.com")
	ids := e.change(t, c, ep, at(time.Minute), gatehouse.EventCustomerUpdated, gatehouse.EventCustomerStateChanged)
	e1, e2 := ids[gatehouse.EventCustomerUpdated], ids[gatehouse.EventCustomerStateChanged]
	mustOK(t, e.s.SkipWebhookEvent(ctx, e1), "skip e1")
	mark := len(e.q.committed(t, 0))
	mustOK(t, e.s.RedeliverWebhookEvent(ctx, org.ID, e1), "redeliver e1")
	if jobs := e.q.committed(t, mark); len(jobs) != 1 || jobs[0] != (gatehouse.WebhookJob{EventID: e1, Redeliver: true}) {
		t.Fatalf("redeliver: got jobs %v, want [{%s true}]", jobs, e1)
	}
	if ev := e.event(t, org.ID, e1); ev.Skipped {
		t.Fatal("redelivered event still skipped")
	}
	e.begin(t, e2, false, true) // e1 is pending again
	e.begin(t, e2, true, false) // a redelivery bypasses the order
	e.finish(t, e1, true, 200, at(2*time.Minute), true)
	mustOK(t, e.s.RedeliverWebhookEvent(ctx, org.ID, e1), "redeliver a succeeded event")
	if a := e.begin(t, e1, true, false); a.Deliveries != 1 {
		t.Fatalf("redelivery of e1: got %d deliveries so far, want 1", a.Deliveries)
	}
	wantCode(t, e.s.RedeliverWebhookEvent(ctx, mustOrg(t, e.s).ID, e1), gatehouse.ENotFound, "redeliver through another organization")
	wantCode(t, e.s.RedeliverWebhookEvent(ctx, org.ID, "missing"), gatehouse.ENotFound, "redeliver a missing event")

	old := e.change(t, c, ep, at(-100*24*time.Hour), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	e.finish(t, old, false, 500, at(-100*24*time.Hour), true)
	n, err := e.s.ArchiveWebhookEvents(ctx, at(-50*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("archive: got %d, %v; want 1", n, err)
	}
	wantCode(t, e.s.RedeliverWebhookEvent(ctx, org.ID, old), gatehouse.EInvalid, "redeliver an archived event")
}

func testWebhookAutoDisable(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	a := mustEndpoint(t, e.s, org, gatehouse.EventCustomerUpdated)
	b := mustEndpoint(t, e.s, org, gatehouse.EventCustomerUpdated)
	var evA, evB []string
	for i := range gatehouse.WebhookFailureThreshold + 1 {
		c := mustCustomer(t, e.s, org, uniq("dis")+"@example.com") // one each: none waits for another
		ts := at(time.Duration(i) * time.Minute)
		evA = append(evA, e.change(t, c, a, ts, gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated])
		evs := eventsOfJobs(t, e.s, org.ID, e.q.committed(t, len(e.q.committed(t, 0))-2))
		for _, ev := range evs {
			if ev.EndpointID == b.ID {
				evB = append(evB, ev.ID)
			}
		}
	}
	if len(evB) != len(evA) {
		t.Fatalf("events of b: got %d, want %d", len(evB), len(evA))
	}
	last := gatehouse.WebhookFailureThreshold - 1
	for i := range last {
		if e.finish(t, evA[i], false, 500, at(time.Hour), true) {
			t.Fatalf("endpoint disabled after %d failed events, want %d", i+1, gatehouse.WebhookFailureThreshold)
		}
	}
	e.finish(t, evA[last], false, 500, at(time.Hour), false) // not final: does not count
	if !e.finish(t, evA[last], false, 500, at(time.Hour), true) {
		t.Fatalf("endpoint not disabled after %d failed events", gatehouse.WebhookFailureThreshold)
	}
	got, err := e.s.WebhookEndpoint(ctx, org.ID, a.ID)
	mustOK(t, err, "get disabled endpoint")
	if got.Enabled {
		t.Fatal("auto-disabled endpoint: got enabled")
	}
	if ev := e.event(t, org.ID, evA[last+1]); !ev.Skipped || ev.Succeeded != nil {
		t.Fatalf("pending event of the disabled endpoint: got %s, want skipped", dump(ev))
	}
	if ev := e.event(t, org.ID, evB[last+1]); ev.Skipped {
		t.Fatal("pending event of another endpoint skipped")
	}

	// b: one success among the latest ten keeps it enabled.
	for i := range gatehouse.WebhookFailureThreshold + 1 {
		if e.finish(t, evB[i], i == 4, 500, at(time.Hour), true) {
			t.Fatalf("endpoint with a success among its %d latest finished events disabled (event %d)", gatehouse.WebhookFailureThreshold, i)
		}
	}
	got, err = e.s.WebhookEndpoint(ctx, org.ID, b.ID)
	if err != nil || !got.Enabled {
		t.Fatalf("endpoint b: got %v, %v; want enabled", got, err)
	}
}

func testWebhookArchive(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	ep := mustEndpoint(t, e.s, org, gatehouse.EventCustomerUpdated)
	day := 24 * time.Hour
	c1 := mustCustomer(t, e.s, org, uniq("arch")+"@example.com")
	c2 := mustCustomer(t, e.s, org, uniq("arch")+"@example.com")
	old := e.change(t, c1, ep, at(-400*day), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	pending := e.change(t, c2, ep, at(-400*day), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	recent := e.change(t, c1, ep, at(-300*day), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	e.finish(t, old, true, 200, at(-400*day), true)
	e.finish(t, recent, true, 200, at(-300*day), true)
	n, err := e.s.ArchiveWebhookEvents(ctx, at(-350*day))
	if err != nil || n != 1 {
		t.Fatalf("archive: got %d, %v; want 1", n, err)
	}
	if ev := e.event(t, org.ID, old); !ev.Archived() {
		t.Fatal("old finished event: not archived")
	}
	if ev := e.event(t, org.ID, pending); ev.Archived() {
		t.Fatal("old pending event archived: it could never be sent")
	}
	if ev := e.event(t, org.ID, recent); ev.Archived() {
		t.Fatal("recent event archived")
	}
	if n, err := e.s.ArchiveWebhookEvents(ctx, at(-350*day)); err != nil || n != 0 {
		t.Fatalf("archive again: got %d, %v; want 0", n, err)
	}
}

// testWebhookClaims: while one sender's claim on an event holds, no other
// attempts it (a normal job gets nil, a redelivery EConflict); the claim's
// owner may begin again (its job retried after its instance died); an
// expired claim or a recorded attempt frees the event; of many senders
// racing for one event exactly one gets it.
func testWebhookClaims(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	ep := mustEndpoint(t, e.s, org, gatehouse.EventCustomerUpdated)
	c := mustCustomer(t, e.s, org, uniq("claims")+"@example.com")
	id := e.change(t, c, ep, at(time.Minute), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	hour := time.Now().Add(time.Hour)
	a, b := gatehouse.WebhookClaim{Owner: "a", Until: hour}, gatehouse.WebhookClaim{Owner: "b", Until: hour}
	begin := func(redeliver bool, cl gatehouse.WebhookClaim) (*gatehouse.WebhookAttempt, error) {
		return e.s.BeginWebhookAttempt(ctx, id, redeliver, cl)
	}
	if att, err := begin(false, a); err != nil || att == nil {
		t.Fatalf("first claim: %v, %v", att, err)
	}
	if att, err := begin(false, b); err != nil || att != nil {
		t.Fatalf("another sender while a holds the claim: got %v, %v; want nil, nil", att, err)
	}
	if _, err := begin(true, b); gatehouse.ErrorCodeOf(err) != gatehouse.EConflict {
		t.Fatalf("a redelivery while a holds the claim: got %v, want EConflict", err)
	}
	if att, err := begin(false, a); err != nil || att == nil {
		t.Fatalf("the owner again (its job retried): got %v, %v", att, err)
	}
	e.finish(t, id, false, 500, at(2*time.Minute), false) // releases the claim
	if att, err := begin(false, b); err != nil || att == nil {
		t.Fatalf("after a's attempt was recorded: got %v, %v", att, err)
	}
	// b's claim expired: a third sender takes the event.
	if _, err := begin(false, gatehouse.WebhookClaim{Owner: "b", Until: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if att, err := begin(false, gatehouse.WebhookClaim{Owner: "c", Until: hour}); err != nil || att == nil {
		t.Fatalf("after b's claim expired: got %v, %v", att, err)
	}
	e.finish(t, id, true, 200, at(3*time.Minute), true)
	if att, err := begin(false, gatehouse.WebhookClaim{Owner: "d", Until: hour}); err != nil || att != nil {
		t.Fatalf("a finished event: got %v, %v; want nil", att, err)
	}

	// Racing senders: one wins.
	race := e.change(t, c, ep, at(4*time.Minute), gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Go(func() {
			att, err := e.s.BeginWebhookAttempt(ctx, race, false, gatehouse.WebhookClaim{Owner: "racer-" + string(rune('a'+i)), Until: hour})
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
				return
			}
			if att != nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("8 senders racing for one event: %d got it, want 1", won)
	}
}
