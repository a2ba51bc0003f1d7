package loadgen

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

const (
	created = gatehouse.EventCustomerCreated
	updated = gatehouse.EventCustomerUpdated
	deleted = gatehouse.EventCustomerDeleted
	state   = gatehouse.EventCustomerStateChanged
)

// history is a hand-made ledger: customer a created, updated to
// generations 1 and 2 and deleted, all acknowledged; b created, updated to
// 1 without an answer, then to 2 acknowledged, then to 3 without an answer
// and not committed (Resolve's verdict); c created without an answer and
// committed (known only by its external ID).
func history() []CustomerRecord {
	return []CustomerRecord{
		{ID: "a", ExternalID: "ext-a", Changes: []Change{
			{created, 0, Acked}, {updated, 1, Acked}, {updated, 2, Acked}, {deleted, 0, Acked}}},
		{ID: "b", ExternalID: "ext-b", Changes: []Change{
			{created, 0, Acked}, {updated, 1, Unknown}, {updated, 2, Acked}, {updated, 3, NotCommitted}}},
		{ExternalID: "ext-c", Changes: []Change{{created, 0, Committed}}},
	}
}

// ev builds a receipt of customer id's event typ at generation gen.
func ev(webhookID, typ, id string, gen int, del bool) Receipt {
	return Receipt{WebhookID: webhookID, Type: typ, CustomerID: id, ExternalID: "ext-" + id, Gen: gen, Deleted: del}
}

// good is what a correct sender delivers for history(): b's unanswered
// update to 1 committed, a retry of a's first update after a crash, and
// customers interleaved.
func good() []Receipt {
	return []Receipt{
		ev("a1", created, "a", 0, false), ev("a2", state, "a", 0, false),
		ev("b1", created, "b", 0, false),
		ev("a3", updated, "a", 1, false),
		ev("b2", state, "b", 0, false),
		ev("a3", updated, "a", 1, false), // the crash lost the success: same id again
		ev("a4", state, "a", 1, false),
		{WebhookID: "c1", Type: created, CustomerID: "server-id-c", ExternalID: "ext-c", Gen: 0},
		ev("b3", updated, "b", 1, false), ev("b4", state, "b", 1, false),
		ev("a5", updated, "a", 2, false), ev("a6", state, "a", 2, false),
		{WebhookID: "c2", Type: state, CustomerID: "server-id-c", ExternalID: "ext-c", Gen: 0},
		ev("b5", updated, "b", 2, false), ev("b6", state, "b", 2, false),
		{WebhookID: "a7", Type: deleted, CustomerID: "a", Gen: 2, Deleted: true},
		{WebhookID: "a8", Type: state, CustomerID: "a", Gen: 2, Deleted: true},
	}
}

func TestCheckEventsGood(t *testing.T) {
	if errs := CheckEvents(history(), good()); len(errs) > 0 {
		t.Errorf("CheckEvents of a correct delivery: got %v, want none", errs)
	}
	// b's unanswered update to 1 may also not have committed: neither of
	// its events then.
	rs := slices.DeleteFunc(good(), func(r Receipt) bool { return r.WebhookID == "b3" || r.WebhookID == "b4" })
	if errs := CheckEvents(history(), rs); len(errs) > 0 {
		t.Errorf("CheckEvents without the unanswered update's events: got %v, want none", errs)
	}
}

// TestCheckEventsCatches breaks a correct delivery in each way the crash
// tests must notice and requires CheckEvents to report it.
func TestCheckEventsCatches(t *testing.T) {
	replace := func(id string, r Receipt) func([]Receipt) []Receipt {
		return func(rs []Receipt) []Receipt {
			i := slices.IndexFunc(rs, func(x Receipt) bool { return x.WebhookID == id })
			rs[i] = r
			return rs
		}
	}
	drop := func(id string) func([]Receipt) []Receipt {
		return func(rs []Receipt) []Receipt {
			return slices.DeleteFunc(rs, func(r Receipt) bool { return r.WebhookID == id })
		}
	}
	add := func(r Receipt) func([]Receipt) []Receipt {
		return func(rs []Receipt) []Receipt { return append(rs, r) }
	}
	tests := []struct {
		name   string
		change func([]Receipt) []Receipt
		want   string
	}{
		{"second id for one change", add(ev("a3-dup", updated, "a", 1, false)),
			"customer a: customer.updated to generation 1 has 2 webhook-ids"},
		{"missing event", drop("a5"), "customer a: customer.updated to generation 2 (acknowledged) has 0 events"},
		{"missing state_changed", drop("a8"), "customer a: customer.deleted (acknowledged) has 1 events and 0 state_changed"},
		{"missing committed create", drop("c1"), "with external ID ext-c: customer.created (unanswered but committed) has 0 events"},
		{"out of order", func(rs []Receipt) []Receipt {
			i := slices.IndexFunc(rs, func(r Receipt) bool { return r.WebhookID == "a5" })
			j := slices.IndexFunc(rs, func(r Receipt) bool { return r.WebhookID == "a4" })
			rs[i], rs[j] = rs[j], rs[i] // generation 2 before the state_changed of 1
			return rs
		}, "customer a: the state_changed of customer.updated to generation 1 (event a4) arrived after customer.updated to generation 2"},
		{"retry after a later event", add(ev("a3", updated, "a", 1, false)), "(event a3) arrived after the state_changed of customer.deleted"},
		{"event of an uncommitted change", add(ev("b7", updated, "b", 3, false)),
			"customer b: customer.updated to generation 3 did not commit but has 1 events"},
		{"half of an unanswered change", drop("b4"), "customer b: customer.updated to generation 1 (unanswered) has 1 events and 0 state_changed"},
		{"generation never sent", add(ev("a9", updated, "a", 7, false)), "event a9 (customer.updated, generation 7, deleted false) of customer a: describes a state no write produced"},
		{"delete never sent", add(Receipt{WebhookID: "b9", Type: deleted, CustomerID: "b", Gen: 2, Deleted: true}), "of customer b: describes a state no write produced"},
		{"unknown customer", add(ev("z1", created, "z", 0, false)), "event z1 (customer.created) for customer z"},
		{"wrong type", replace("a3", ev("a3", deleted, "a", 1, false)), "event a3 of customer a: type customer.deleted for a customer.updated"},
		{"id reused for another event", replace("a4", ev("a3", state, "a", 1, false)), "webhook-id a3 of customer a: sent for two different events"},
	}
	for _, tt := range tests {
		errs := CheckEvents(history(), tt.change(good()))
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		joined := strings.Join(msgs, "\n")
		if !strings.Contains(joined, tt.want) {
			t.Errorf("%s: CheckEvents gave\n%s\nwant an error containing %q", tt.name, joined, tt.want)
		}
	}
}
