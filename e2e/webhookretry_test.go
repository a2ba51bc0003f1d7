package e2e

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/webhook"
)

// testHookRetries: a receiver that fails each event three times, slowly
// (so attempts are more than a second apart), gets four attempts with
// one webhook-id, each signed with its own timestamp, and the deliveries
// list shows them as four rows; then every filter of that list is checked
// against these real rows.
func testHookRetries(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server) {
	ctx := context.Background()
	_, c := hookOrg(t, d, srv, "hooks-retry")
	flaky := newReceiver(t, func(n int) int {
		if n <= 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}, func(r *hookReceiver) { r.failDelay = 1100 * time.Millisecond })
	ok := newReceiver(t, nil)
	ep := mustEndpoint(t, d, c, flaky.URL, webhook.EventCustomerCreated, webhook.EventCustomerUpdated)
	ep2 := mustEndpoint(t, d, c, ok.URL, webhook.EventCustomerCreated)

	cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("retry")})
	if err != nil {
		t.Fatal(err)
	}
	created := flaky.waitFor(t, "4 attempts of customer.created", 30*time.Second, func(ds []hookDelivery) bool { return len(ds) >= 4 })
	if _, err := c.UpdateCustomer(ctx, cu.ID, apitype.CustomerUpdate{Name: new("Retried")}); err != nil {
		t.Fatal(err)
	}
	all := flaky.waitFor(t, "4 attempts of customer.updated", 30*time.Second, func(ds []hookDelivery) bool { return len(ds) >= 8 })
	for i, attempts := range [][]hookDelivery{created[:4], all[4:8]} {
		id := attempts[0].ID()
		var stamps []string
		for n, a := range attempts {
			checkDelivery(t, a, ep.Secret)
			stamps = append(stamps, a.Header.Get(webhook.HeaderTimestamp))
			if a.ID() != id || a.Type() != []string{"customer.created", "customer.updated"}[i] {
				t.Errorf("attempt %d: webhook-id %s type %s; want %s every time", n+1, a.ID(), a.Type(), id)
			}
		}
		if !slices.IsSorted(stamps) || len(slices.Compact(slices.Clone(stamps))) != 4 {
			t.Errorf("event %s: webhook-timestamps %v, want four increasing values (each attempt signed afresh)", id, stamps)
		}
		if got := []int{attempts[0].Status, attempts[1].Status, attempts[2].Status, attempts[3].Status}; !slices.Equal(got, []int{500, 500, 500, 200}) {
			t.Errorf("event %s: answers %v, want 500 500 500 200", id, got)
		}
	}
	rows := waitDeliveryRows(t, c, ep.ID, 8, 10*time.Second)
	for _, id := range []string{created[0].ID(), all[4].ID()} {
		var codes []string
		for _, r := range slices.Backward(rows) { // oldest first
			if r.WebhookEvent.ID != id {
				continue
			}
			codes = append(codes, strconv.Itoa(deref(r.HTTPCode))+"/"+strconv.FormatBool(r.Succeeded))
			if !r.Succeeded && str(r.Response) != `{"received":false}` {
				t.Errorf("failed delivery %s: response %q, want the receiver's body", r.ID, str(r.Response))
			}
		}
		if want := []string{"500/false", "500/false", "500/false", "200/true"}; !slices.Equal(codes, want) {
			t.Errorf("event %s: delivery rows (http_code/succeeded) %v, want %v", id, codes, want)
		}
	}
	waitDeliveryRows(t, c, ep2.ID, 1, 10*time.Second)
	testDeliveryFilters(t, c, ep.ID, ep2.ID, created[0].ID(), all[4].ID())
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// testDeliveryFilters checks each filter of GET /v1/webhooks/deliveries
// on the organization's nine real rows: eight to ep (two events, three
// 500s then a 200 each) and one 200 to ep2. Counts are stated outright;
// the timestamp and query filters are checked against the rule they
// document, applied to the unfiltered list.
func testDeliveryFilters(t *testing.T, c *client.Client, ep, ep2, createdID, updatedID string) {
	every := allDeliveries(t, c, client.ListWebhookDeliveriesParams{})
	if len(every) != 9 {
		t.Fatalf("organization's deliveries: got %d, want 9", len(every))
	}
	yes, no := true, false
	// The boundary: the success of customer.created on ep, after which
	// only customer.updated was attempted.
	var boundary time.Time
	for _, r := range every {
		if r.WebhookEvent.ID == createdID && r.Succeeded {
			boundary = r.CreatedAt.Time
		}
	}
	justBefore, muchLater := boundary.Add(-time.Microsecond), boundary.Add(time.Hour)
	contains := func(q string) func(apitype.WebhookDelivery) bool {
		return func(r apitype.WebhookDelivery) bool {
			return strings.Contains(r.ID, q) || strings.Contains(r.WebhookEvent.ID, q) || strings.Contains(strconv.Itoa(deref(r.HTTPCode)), q)
		}
	}
	tests := []struct {
		name string
		p    client.ListWebhookDeliveriesParams
		want int
		keep func(apitype.WebhookDelivery) bool // when set, want is counted with it
	}{
		{name: "endpoint", p: client.ListWebhookDeliveriesParams{EndpointIDs: []string{ep}}, want: 8},
		{name: "other endpoint", p: client.ListWebhookDeliveriesParams{EndpointIDs: []string{ep2}}, want: 1},
		{name: "both endpoints", p: client.ListWebhookDeliveriesParams{EndpointIDs: []string{ep, ep2}}, want: 9},
		{name: "succeeded", p: client.ListWebhookDeliveriesParams{Succeeded: &yes}, want: 3},
		{name: "failed", p: client.ListWebhookDeliveriesParams{Succeeded: &no}, want: 6},
		{name: "2xx", p: client.ListWebhookDeliveriesParams{HTTPCodeClass: "2xx"}, want: 3},
		{name: "5xx", p: client.ListWebhookDeliveriesParams{HTTPCodeClass: "5xx"}, want: 6},
		{name: "4xx", p: client.ListWebhookDeliveriesParams{HTTPCodeClass: "4xx"}, want: 0},
		{name: "event type updated", p: client.ListWebhookDeliveriesParams{EventTypes: []string{"customer.updated"}}, want: 4},
		{name: "event type created", p: client.ListWebhookDeliveriesParams{EventTypes: []string{"customer.created"}}, want: 5},
		{name: "event types both", p: client.ListWebhookDeliveriesParams{EventTypes: []string{"customer.created", "customer.updated"}}, want: 9},
		{name: "event type never sent", p: client.ListWebhookDeliveriesParams{EventTypes: []string{"customer.deleted"}}, want: 0},
		{name: "combined", p: client.ListWebhookDeliveriesParams{EndpointIDs: []string{ep}, Succeeded: &no, EventTypes: []string{"customer.created"}, HTTPCodeClass: "5xx"}, want: 3},
		{name: "query event id", p: client.ListWebhookDeliveriesParams{Query: updatedID}, want: 4},
		{name: "query event id upper case", p: client.ListWebhookDeliveriesParams{Query: strings.ToUpper(createdID[:13])}, keep: contains(createdID[:13])},
		{name: "query delivery id", p: client.ListWebhookDeliveriesParams{Query: every[0].ID}, want: 1},
		{name: "query http code", p: client.ListWebhookDeliveriesParams{Query: "500"}, keep: contains("500")},
		{name: "start after boundary", p: client.ListWebhookDeliveriesParams{Start: &boundary},
			keep: func(r apitype.WebhookDelivery) bool { return r.CreatedAt.After(boundary) }},
		{name: "end before boundary", p: client.ListWebhookDeliveriesParams{End: &boundary},
			keep: func(r apitype.WebhookDelivery) bool { return r.CreatedAt.Before(boundary) }},
		{name: "window around boundary", p: client.ListWebhookDeliveriesParams{Start: &justBefore, End: &muchLater, EventTypes: []string{"customer.created"}},
			keep: func(r apitype.WebhookDelivery) bool {
				return r.WebhookEvent.Type == "customer.created" && !r.CreatedAt.Before(boundary)
			}},
	}
	for _, tt := range tests {
		want := tt.want
		if tt.keep != nil {
			want = countRows(every, tt.keep)
		}
		got := allDeliveries(t, c, tt.p)
		if len(got) != want {
			t.Errorf("deliveries filter %s (%+v): got %d rows, want %d", tt.name, tt.p, len(got), want)
		}
		for _, r := range got {
			if tt.keep != nil && !tt.keep(r) {
				t.Errorf("deliveries filter %s: row %s (event %s %s, code %v, at %v) does not match", tt.name, r.ID, r.WebhookEvent.Type, r.WebhookEvent.ID, r.HTTPCode, r.CreatedAt)
			}
		}
	}
	if n := countRows(every, func(r apitype.WebhookDelivery) bool { return r.CreatedAt.After(boundary) }); n != 4 {
		t.Errorf("rows after the created event's success: %d, want the 4 attempts of customer.updated", n)
	}
}

// testHookAutoDisable: an endpoint whose receiver always fails is
// disabled once its ten latest finished events all failed (ten customers'
// customer.created, ten attempts each); the events still pending, each
// customer's state_changed, are skipped and never sent, new changes write
// no event for it, and after re-enabling it a customer's next event is
// delivered (a skipped event does not hold its customer's queue).
func testHookAutoDisable(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server) {
	ctx := context.Background()
	_, c := hookOrg(t, d, srv, "hooks-disable")
	rcv := newReceiver(t, func(int) int { return http.StatusServiceUnavailable })
	ep := mustEndpoint(t, d, c, rcv.URL, webhook.EventCustomerCreated, webhook.EventCustomerUpdated, webhook.EventCustomerStateChanged)
	var customers []*apitype.Customer
	for i := range 10 {
		cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("disable" + strconv.Itoa(i))})
		if err != nil {
			t.Fatal(err)
		}
		customers = append(customers, cu)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := c.GetWebhookEndpoint(ctx, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Enabled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoint still enabled after 60s; receiver got %d requests", len(rcv.deliveries()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	quiet(t, rcv, 500*time.Millisecond)
	attempts := map[string]int{}
	for _, dl := range rcv.deliveries() {
		if dl.Type() == webhook.EventCustomerCreated {
			attempts[dl.ID()]++
		}
	}
	if len(attempts) != 10 {
		t.Errorf("customer.created events attempted: %d, want 10", len(attempts))
	}
	for id, n := range attempts {
		if n != gatehouse.WebhookMaxAttempts {
			t.Errorf("customer.created %s: %d attempts, want %d", id, n, gatehouse.WebhookMaxAttempts)
		}
	}
	if ok, failed, skipped, pending := eventStates(t, d, ep.ID); ok != 0 || failed != 10 || skipped != 10 || pending != 0 {
		t.Errorf("events after auto-disable: %d succeeded, %d failed, %d skipped, %d pending; want 0, 10 failed (created), 10 skipped (state_changed), 0", ok, failed, skipped, pending)
	}
	if !strings.Contains(srv.Log().String(), "webhook endpoint disabled") {
		t.Errorf("no WARN line about the disabled endpoint in the log")
	}

	// Disabled: a change writes no event for it.
	sent := len(rcv.deliveries())
	if _, err := c.UpdateCustomer(ctx, customers[0].ID, apitype.CustomerUpdate{Name: new("While Disabled")}); err != nil {
		t.Fatal(err)
	}
	quiet(t, rcv, 300*time.Millisecond)
	if n := len(rcv.deliveries()); n != sent {
		t.Errorf("disabled endpoint: %d more requests after a change, want none", n-sent)
	}
	// Re-enabled with a healthy receiver: the next change of a customer
	// whose state_changed was skipped goes out; the skipped ones never do.
	rcv.setRespond(func(int) int { return http.StatusOK })
	if _, err := c.UpdateWebhookEndpoint(ctx, ep.ID, apitype.WebhookEndpointUpdate{Enabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCustomer(ctx, customers[1].ID, apitype.CustomerUpdate{Name: new("Back")}); err != nil {
		t.Fatal(err)
	}
	after := rcv.waitFor(t, "customer.updated and state_changed after re-enabling", 20*time.Second, func(ds []hookDelivery) bool { return len(ds) >= sent+2 })[sent:]
	quiet(t, rcv, 300*time.Millisecond)
	var types []string
	for _, dl := range rcv.deliveries()[sent:] {
		ev := checkDelivery(t, dl, ep.Secret)
		if customerOf(t, ev) != customers[1].ID || dl.Status != 200 {
			t.Errorf("after re-enabling: %s of customer %s (answered %d), want only customer %s's new events", ev.Type, customerOf(t, ev), dl.Status, customers[1].ID)
		}
		types = append(types, ev.Type)
	}
	if want := []string{"customer.updated", webhook.EventCustomerStateChanged}; !slices.Equal(types, want) || len(after) != 2 {
		t.Errorf("after re-enabling: got %v, want %v", types, want)
	}
}

// quiet waits until the receiver got nothing for d.
func quiet(t *testing.T, r *hookReceiver, d time.Duration) {
	t.Helper()
	n := len(r.deliveries())
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		time.Sleep(d)
		m := len(r.deliveries())
		if m == n {
			return
		}
		n = m
	}
	t.Fatalf("receiver never went quiet: %d requests", n)
}

// testHookRedirect: a receiver answering 307 to another receiver is a
// failed delivery with that code; the redirect target is never reached
// (no redirect is followed, whatever its target).
func testHookRedirect(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server) {
	ctx := context.Background()
	_, c := hookOrg(t, d, srv, "hooks-redirect")
	target := newReceiver(t, nil)
	redirecting := newReceiver(t, func(int) int { return http.StatusTemporaryRedirect }, func(r *hookReceiver) { r.location = target.URL + "/elsewhere" })
	ep := mustEndpoint(t, d, c, redirecting.URL, webhook.EventCustomerCreated)
	if _, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("redirect")}); err != nil {
		t.Fatal(err)
	}
	redirecting.waitFor(t, "two attempts", 20*time.Second, func(ds []hookDelivery) bool { return len(ds) >= 2 })
	if err := c.DeleteWebhookEndpoint(ctx, ep.ID); err != nil { // no more attempts
		t.Fatal(err)
	}
	rows := allDeliveries(t, c, client.ListWebhookDeliveriesParams{EndpointIDs: []string{ep.ID}})
	if len(rows) == 0 || rows[len(rows)-1].Succeeded || deref(rows[len(rows)-1].HTTPCode) != http.StatusTemporaryRedirect {
		t.Errorf("first delivery to a redirecting receiver: %+v, want a failure with http_code 307", rows)
	}
	if n := len(target.deliveries()); n != 0 {
		t.Errorf("the redirect target got %d requests, want none (redirects are not followed)", n)
	}
}
