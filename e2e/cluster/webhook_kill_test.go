package cluster

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/loadgen"
)

// receiverHold is how long the receiver holds each webhook request, so
// that a kill lands while deliveries are in flight.
const receiverHold = 300 * time.Millisecond

// TestWebhooksInstanceKilledMidDelivery runs two instances on one
// PostgreSQL with customer writes through both and an endpoint whose
// receiver holds every request 300 ms, kills one instance (SIGKILL) while
// requests of it are held, and lets the survivor drain the queue: the
// killed instance's interrupted attempts are retried by the survivor once
// rescued (--webhook-rescue-after 2s, test-only; River's rescuer runs when
// an instance becomes leader and every 30 s), every event is delivered
// with success, no webhook-id is ever in flight twice at once, and the
// events agree with the ledger (loadgen.CheckEvents: one id per
// acknowledged change, none invented, per-customer order).
func TestWebhooksInstanceKilledMidDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("kills an instance mid-delivery and waits for the rescue")
	}
	t.Parallel()
	start := time.Now()
	d := newPostgres(t)
	d.MustCLI(t, "migrate")
	o := d.MustOrg(t, "Org webhook kill", "whkill")
	args := []string{"--webhooks-allow-private-urls", "--webhook-rescue-after", "2s"}
	victim, survivor := d.MustServe(t, args...), d.MustServe(t, args...)
	rcv := e2etest.NewWebhookReceiver(t)
	rcv.Hold = receiverHold
	ep, err := survivor.Client(o.Token, bounded).CreateWebhookEndpoint(context.Background(), apitype.WebhookEndpointCreate{
		URL: rcv.URL(), Format: "raw", Events: []string{gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated,
			gatehouse.EventCustomerDeleted, gatehouse.EventCustomerStateChanged}})
	if err != nil {
		t.Fatalf("create webhook endpoint: %v", err)
	}
	d.Hide(ep.Secret)
	rcv.SetSecret(ep.Secret)

	l := loadgen.NewLedger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	load := func(c *client.Client, killed bool) {
		wg.Go(func() {
			res, err := loadgen.Run(ctx, c, l, loadgen.Config{Rate: 40, Workers: 4, Prefix: "whkill", Ops: []loadgen.Op{
				{Name: loadgen.OpCreateCustomer, Weight: 3, Run: loadgen.CreateCustomer},
				{Name: loadgen.OpUpdateCustomer, Weight: 4, Run: loadgen.UpdateCustomer},
				{Name: loadgen.OpDeleteCustomer, Weight: 1, Run: loadgen.DeleteCustomer},
			}, TransportErrorsExpected: killed})
			if err != nil {
				t.Error(err)
				return
			}
			if res.UnexpectedCount() > 0 {
				t.Errorf("load through %s: %d unexpected errors: %v", c.BaseURL(), res.UnexpectedCount(), res.Unexpected)
			}
		})
	}
	load(victim.Client(o.Token, bounded), true)
	load(survivor.Client(o.Token, bounded), false)

	// Kill once enough requests are held that the victim has some of them
	// (both instances fetch from one queue).
	time.Sleep(time.Second)
	for deadline := time.Now().Add(10 * time.Second); rcv.InFlight() < 12 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	held := rcv.InFlight()
	victim.Kill()
	killedAt := time.Now()
	time.Sleep(time.Second) // the survivor keeps taking writes and sending
	cancel()
	wg.Wait()

	took, err := d.WaitWebhooksDrained(2 * time.Minute)
	if err != nil {
		t.Fatalf("the survivor did not deliver everything: %v", err)
	}
	reqs := rcv.Requests()
	if n, id := rcv.MaxConcurrent(); n > 1 {
		t.Errorf("webhook-id %s was in flight %d times at once: want at most one attempt at a time", id, n)
	}
	aborted, lastRetry := abortedRetried(t, reqs, killedAt)
	if aborted == 0 {
		t.Errorf("the kill (with %d requests held) interrupted no delivery: the test did not kill mid-delivery", held)
	}
	mustAllDelivered(t, d, reqs)

	recs := append(l.Customers(), l.Unacknowledged()...)
	vctx, vcancel := context.WithTimeout(context.Background(), time.Minute)
	defer vcancel()
	if err := loadgen.Resolve(vctx, survivor.Client(o.Token, bounded), recs); err != nil {
		t.Fatal(err)
	}
	receipts := make([]loadgen.Receipt, 0, len(reqs))
	for _, r := range reqs {
		if r.BadSignature != nil {
			t.Errorf("webhook %s: signature does not verify: %v", r.ID, r.BadSignature)
		}
		rc, err := loadgen.ParseReceipt(r.ID, r.Body)
		if err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, rc)
	}
	for i, err := range loadgen.CheckEvents(recs, receipts) {
		if i == 20 {
			t.Error("… and more")
			break
		}
		t.Error(err)
	}
	c, _, _ := l.Counts()
	t.Logf("%d customers, %d requests; killed with %d held, %d interrupted, all retried by the survivor within %s of the kill; drained %s after the load; %s in all",
		c, len(reqs), held, aborted, lastRetry.Round(time.Millisecond), took.Round(time.Millisecond), time.Since(start).Round(time.Second))
}

// abortedRetried returns how many requests the kill interrupted, and how
// long after killedAt the last of them was sent again; an interrupted
// webhook-id that never came again fails t.
func abortedRetried(t *testing.T, reqs []e2etest.WebhookRequest, killedAt time.Time) (int, time.Duration) {
	t.Helper()
	var aborted []int
	for i, r := range reqs {
		if r.Aborted {
			aborted = append(aborted, i)
		}
	}
	var last time.Duration
	for _, i := range aborted {
		retried := false
		for _, r := range reqs[i+1:] {
			if r.ID == reqs[i].ID && !r.Aborted {
				retried, last = true, max(last, r.At.Sub(killedAt))
				break
			}
		}
		if !retried {
			t.Errorf("webhook %s: interrupted by the kill and never sent again", reqs[i].ID)
		}
	}
	return len(aborted), last
}

// mustAllDelivered requires every webhook event of d to have succeeded and
// to be among the ids the receiver got.
func mustAllDelivered(t *testing.T, d *deployment, reqs []e2etest.WebhookRequest) {
	t.Helper()
	got := map[string]bool{}
	for _, r := range reqs {
		if !r.Aborted {
			got[r.ID] = true
		}
	}
	rows, err := d.adminDB(t).Query(`SELECT id, succeeded IS TRUE FROM webhook_events`)
	if err != nil {
		t.Fatalf("list webhook events: %v", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var ok bool
		if err := rows.Scan(&id, &ok); err != nil {
			t.Fatal(err)
		}
		n++
		if !ok || !got[id] {
			t.Errorf("webhook event %s: succeeded %v, answered by the receiver %v; want both", id, ok, got[id])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != len(got) {
		t.Errorf("%d webhook events in the database, %d ids answered by the receiver: want the same, not 0", n, len(got))
	}
}
