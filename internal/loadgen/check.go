package loadgen

import (
	"fmt"

	"github.com/gatehouse/gatehouse"
)

// CheckEvents checks the webhook requests an endpoint subscribed to the
// customer events received (in arrival order, retries included) against
// the customers' writes (acknowledged and unacknowledged records, with
// their last outcome resolved by Resolve), after the queue drained:
//
//   - every acknowledged (or committed) change has exactly one event of
//     its type and one customer.state_changed, each under one webhook-id:
//     a retry repeats the id, a second id for one change is a duplicate;
//   - a change known not to have committed has no event, an unanswered
//     change has both events or neither (they share its transaction), and
//     no event describes a state no write produced (an unknown customer,
//     a generation never sent, a delete never sent);
//   - per customer, every request of an event arrives before any request
//     of a later one, and each change's state_changed follows it: the
//     order of the writes.
//
// A change is told apart by its customer (id, or external ID for a create
// that was never answered), the payload's generation and its deleted_at.
func CheckEvents(recs []CustomerRecord, receipts []Receipt) []error {
	c := newChecker(recs)
	for _, r := range receipts {
		c.receive(r)
	}
	for _, rec := range c.recs {
		c.counts(rec)
	}
	return c.errs
}

// slot is where one event of a customer falls in its writes' order: the
// change's index times two, plus one for its state_changed.
type slot struct {
	rec *CustomerRecord
	pos int
}

type checker struct {
	recs  []*CustomerRecord
	byID  map[string]*CustomerRecord
	byExt map[string]*CustomerRecord // records of unanswered creates
	ids   map[slot]map[string]bool   // webhook-ids seen per slot
	idAt  map[string]slot
	last  map[*CustomerRecord]int  // highest slot received so far
	seen  map[*CustomerRecord]bool // an order error was reported
	errs  []error
}

func newChecker(recs []CustomerRecord) *checker {
	c := &checker{byID: map[string]*CustomerRecord{}, byExt: map[string]*CustomerRecord{},
		ids: map[slot]map[string]bool{}, idAt: map[string]slot{}, last: map[*CustomerRecord]int{},
		seen: map[*CustomerRecord]bool{}}
	for i := range recs {
		rec := &recs[i]
		c.recs = append(c.recs, rec)
		if rec.ID != "" {
			c.byID[rec.ID] = rec
		} else {
			c.byExt[rec.ExternalID] = rec
		}
	}
	return c
}

func (c *checker) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// receive files one request under its change and checks its order.
func (c *checker) receive(r Receipt) {
	rec := c.byID[r.CustomerID]
	if rec == nil && r.ExternalID != "" {
		rec = c.byExt[r.ExternalID]
	}
	if rec == nil {
		c.fail("event %s (%s) for customer %s (external ID %q): no write created it", r.WebhookID, r.Type, r.CustomerID, r.ExternalID)
		return
	}
	k := changeOf(rec, r)
	if k < 0 {
		c.fail("event %s (%s, generation %d, deleted %v) of customer %s: describes a state no write produced", r.WebhookID, r.Type, r.Gen, r.Deleted, r.CustomerID)
		return
	}
	s := slot{rec, 2 * k}
	switch r.Type {
	case gatehouse.EventCustomerStateChanged:
		s.pos++
	case rec.Changes[k].Type:
	default:
		c.fail("event %s of customer %s: type %s for a %s", r.WebhookID, r.CustomerID, r.Type, rec.Changes[k].Type)
		return
	}
	if prev, ok := c.idAt[r.WebhookID]; ok && prev != s {
		c.fail("webhook-id %s of customer %s: sent for two different events (%s and %s)", r.WebhookID, r.CustomerID, describeSlot(prev), describeSlot(s))
		return
	}
	c.idAt[r.WebhookID] = s
	if c.ids[s] == nil {
		c.ids[s] = map[string]bool{}
	}
	c.ids[s][r.WebhookID] = true
	last, ok := c.last[rec]
	switch {
	case ok && s.pos < last && !c.seen[rec]:
		c.seen[rec] = true
		c.fail("customer %s: %s (event %s) arrived after %s: out of order", r.CustomerID, describeSlot(s), r.WebhookID, describeSlot(slot{rec, last}))
	case !ok || s.pos > last:
		c.last[rec] = s.pos
	}
}

// changeOf returns the index of the change r reports, or -1.
func changeOf(rec *CustomerRecord, r Receipt) int {
	for k, ch := range rec.Changes {
		switch {
		case r.Deleted && ch.Type == gatehouse.EventCustomerDeleted,
			!r.Deleted && ch.Type == gatehouse.EventCustomerCreated && r.Gen == 0,
			!r.Deleted && ch.Type == gatehouse.EventCustomerUpdated && r.Gen == ch.Gen:
			return k
		}
	}
	return -1
}

// counts checks how many events each change of rec got.
func (c *checker) counts(rec *CustomerRecord) {
	who := rec.ID
	if who == "" {
		who = "with external ID " + rec.ExternalID
	}
	for k, ch := range rec.Changes {
		main, state := len(c.ids[slot{rec, 2 * k}]), len(c.ids[slot{rec, 2*k + 1}])
		what := describeChange(ch)
		switch {
		case main > 1 || state > 1:
			c.fail("customer %s: %s has %d webhook-ids and its state_changed %d: want one each", who, what, main, state)
		case ch.Outcome == NotCommitted && main+state > 0:
			c.fail("customer %s: %s did not commit but has %d events", who, what, main+state)
		case (ch.Outcome == Acked || ch.Outcome == Committed) && (main == 0 || state == 0):
			c.fail("customer %s: %s (%s) has %d events and %d state_changed: want one each", who, what, ch.Outcome, main, state)
		case ch.Outcome == Unknown && main != state:
			c.fail("customer %s: %s (unanswered) has %d events and %d state_changed: both or neither, they share its transaction", who, what, main, state)
		}
	}
}

func describeChange(ch Change) string {
	if ch.Type == gatehouse.EventCustomerUpdated {
		return fmt.Sprintf("%s to generation %d", ch.Type, ch.Gen)
	}
	return ch.Type
}

func describeSlot(s slot) string {
	what := describeChange(s.rec.Changes[s.pos/2])
	if s.pos%2 == 1 {
		return "the state_changed of " + what
	}
	return what
}
