package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func testWebhookDeliveries(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	a := mustEndpoint(t, e.s, org, gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated)
	b := mustEndpoint(t, e.s, org, gatehouse.EventCustomerUpdated)
	c := mustCustomer(t, e.s, org, uniq("deliv")+"@example.com")
	createdA := e.change(t, c, a, T0, gatehouse.EventCustomerCreated)[gatehouse.EventCustomerCreated]
	mark := len(e.q.committed(t, 0))
	updatedA := e.change(t, c, a, T0, gatehouse.EventCustomerUpdated)[gatehouse.EventCustomerUpdated]
	var updatedB string
	for _, ev := range eventsOfJobs(t, e.s, org.ID, e.q.committed(t, mark)) {
		if ev.EndpointID == b.ID {
			updatedB = ev.ID
		}
	}
	type row struct {
		d        *gatehouse.WebhookDelivery
		endpoint string
		typ      string
	}
	mk := func(ev string, min int, ok bool, code *int, endpoint, typ string) row {
		d := &gatehouse.WebhookDelivery{ID: gatehouse.NewID(), EventID: ev, CreatedAt: at(time.Duration(min) * time.Minute), Succeeded: ok, HTTPCode: code, Response: new("r")}
		return row{d, endpoint, typ}
	}
	rows := []row{ // oldest first
		mk(createdA, 1, true, new(200), a.ID, gatehouse.EventCustomerCreated),
		mk(updatedA, 2, false, new(500), a.ID, gatehouse.EventCustomerUpdated),
		mk(updatedB, 3, false, nil, b.ID, gatehouse.EventCustomerUpdated),
		mk(updatedB, 4, false, new(404), b.ID, gatehouse.EventCustomerUpdated),
		mk(updatedA, 5, false, new(301), a.ID, gatehouse.EventCustomerUpdated),
	}
	rows[2].d.Response = new("dial tcp: connection refused")
	for _, r := range rows {
		_, err := e.s.FinishWebhookAttempt(ctx, r.d, false)
		mustOK(t, err, "record delivery")
	}
	code := func(r row) string {
		if r.d.HTTPCode == nil {
			return ""
		}
		return strconv.Itoa(*r.d.HTTPCode)
	}
	contains := func(q string) func(r row) bool {
		q = strings.ToLower(q)
		return func(r row) bool {
			return strings.Contains(strings.ToLower(r.d.ID), q) || strings.Contains(r.d.EventID, q) || r.d.HTTPCode != nil && strings.Contains(code(r), q)
		}
	}
	for _, tc := range []struct {
		name string
		f    gatehouse.WebhookDeliveryFilter
		want func(r row) bool
	}{
		{"all", gatehouse.WebhookDeliveryFilter{}, func(row) bool { return true }},
		{"endpoint b", gatehouse.WebhookDeliveryFilter{EndpointIDs: []string{b.ID}}, func(r row) bool { return r.endpoint == b.ID }},
		{"endpoints a, b", gatehouse.WebhookDeliveryFilter{EndpointIDs: []string{a.ID, b.ID}}, func(row) bool { return true }},
		{"start strict", gatehouse.WebhookDeliveryFilter{Start: new(at(2 * time.Minute))}, func(r row) bool { return r.d.CreatedAt.After(at(2 * time.Minute)) }},
		{"end strict", gatehouse.WebhookDeliveryFilter{End: new(at(2 * time.Minute))}, func(r row) bool { return r.d.CreatedAt.Before(at(2 * time.Minute)) }},
		{"window", gatehouse.WebhookDeliveryFilter{Start: new(at(time.Minute)), End: new(at(5 * time.Minute))},
			func(r row) bool {
				return r.d.CreatedAt.After(at(time.Minute)) && r.d.CreatedAt.Before(at(5*time.Minute))
			}},
		{"succeeded", gatehouse.WebhookDeliveryFilter{Succeeded: new(true)}, func(r row) bool { return r.d.Succeeded }},
		{"failed", gatehouse.WebhookDeliveryFilter{Succeeded: new(false)}, func(r row) bool { return !r.d.Succeeded }},
		{"query delivery id, any case", gatehouse.WebhookDeliveryFilter{Query: strings.ToUpper(rows[2].d.ID[:13])}, contains(rows[2].d.ID[:13])},
		{"query event id", gatehouse.WebhookDeliveryFilter{Query: createdA[9:23]}, contains(createdA[9:23])},
		{"query http code", gatehouse.WebhookDeliveryFilter{Query: "404"}, contains("404")},
		{"query is not a pattern", gatehouse.WebhookDeliveryFilter{Query: "%"}, func(row) bool { return false }},
		{"2xx", gatehouse.WebhookDeliveryFilter{HTTPCodeClass: "2xx"}, func(r row) bool { return r.d.HTTPCode != nil && *r.d.HTTPCode/100 == 2 }},
		{"3xx", gatehouse.WebhookDeliveryFilter{HTTPCodeClass: "3xx"}, func(r row) bool { return r.d.HTTPCode != nil && *r.d.HTTPCode/100 == 3 }},
		{"4xx", gatehouse.WebhookDeliveryFilter{HTTPCodeClass: "4xx"}, func(r row) bool { return r.d.HTTPCode != nil && *r.d.HTTPCode/100 == 4 }},
		{"5xx", gatehouse.WebhookDeliveryFilter{HTTPCodeClass: "5xx"}, func(r row) bool { return r.d.HTTPCode != nil && *r.d.HTTPCode/100 == 5 }},
		{"event type", gatehouse.WebhookDeliveryFilter{EventTypes: []string{gatehouse.EventCustomerCreated}}, func(r row) bool { return r.typ == gatehouse.EventCustomerCreated }},
		{"event types", gatehouse.WebhookDeliveryFilter{EventTypes: []string{gatehouse.EventCustomerCreated, gatehouse.EventCustomerUpdated}}, func(row) bool { return true }},
		{"combined", gatehouse.WebhookDeliveryFilter{EndpointIDs: []string{a.ID}, Succeeded: new(false), HTTPCodeClass: "5xx"},
			func(r row) bool {
				return r.endpoint == a.ID && !r.d.Succeeded && r.d.HTTPCode != nil && *r.d.HTTPCode/100 == 5
			}},
	} {
		var want []string
		for i := len(rows) - 1; i >= 0; i-- {
			if tc.want(rows[i]) {
				want = append(want, rows[i].d.ID)
			}
		}
		tc.f.Page = gatehouse.Page{Page: 1, Limit: 10}
		list, total, err := e.s.ListWebhookDeliveries(ctx, org.ID, tc.f)
		mustOK(t, err, "list deliveries "+tc.name)
		var got []string
		for _, d := range list {
			got = append(got, d.ID)
		}
		if !slices.Equal(got, want) || total != len(want) {
			t.Fatalf("deliveries %s: got %v (total %d), want %v", tc.name, got, total, want)
		}
	}
	all, _, err := e.s.ListWebhookDeliveries(ctx, org.ID, gatehouse.WebhookDeliveryFilter{Page: gatehouse.Page{Page: 1, Limit: 10}})
	mustOK(t, err, "list deliveries")
	for i, d := range all {
		r := rows[len(rows)-1-i]
		if d.EventID != r.d.EventID || d.Event == nil || d.Event.ID != r.d.EventID || d.Event.Type != r.typ || d.Event.EndpointID != r.endpoint ||
			!d.CreatedAt.Equal(r.d.CreatedAt) || d.Succeeded != r.d.Succeeded || dump(d.HTTPCode) != dump(r.d.HTTPCode) || dump(d.Response) != dump(r.d.Response) {
			t.Fatalf("delivery %d: got %s, want %s with its event (type %s, endpoint %s)", i, dump(d), dump(r.d), r.typ, r.endpoint)
		}
	}
	page, total, err := e.s.ListWebhookDeliveries(ctx, org.ID, gatehouse.WebhookDeliveryFilter{Page: gatehouse.Page{Page: 2, Limit: 2}})
	if err != nil || total != 5 || len(page) != 2 || page[0].ID != rows[2].d.ID || page[1].ID != rows[1].d.ID {
		t.Fatalf("page 2 of 2: got %s, total %d, %v; want [%s %s] of 5", dump(page), total, err, rows[2].d.ID, rows[1].d.ID)
	}
	page, total, err = e.s.ListWebhookDeliveries(ctx, org.ID, gatehouse.WebhookDeliveryFilter{Page: gatehouse.Page{Page: 4, Limit: 2}})
	if err != nil || total != 5 || len(page) != 0 {
		t.Fatalf("page 4 of 2: got %d, total %d, %v; want none of 5", len(page), total, err)
	}
	page, total, err = e.s.ListWebhookDeliveries(ctx, mustOrg(t, e.s).ID, gatehouse.WebhookDeliveryFilter{Page: gatehouse.Page{Page: 1, Limit: 10}})
	if err != nil || total != 0 || len(page) != 0 {
		t.Fatalf("deliveries of another organization: got %d, total %d, %v; want none", len(page), total, err)
	}
	_, _, err = e.s.ListWebhookDeliveries(ctx, org.ID, gatehouse.WebhookDeliveryFilter{HTTPCodeClass: "6xx"})
	wantCode(t, err, gatehouse.EInvalid, "http_code_class 6xx")
}
