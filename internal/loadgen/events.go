package loadgen

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// Outcome is what the generator knows of a write it sent.
type Outcome int

// The outcomes. Unknown becomes Committed or NotCommitted when the
// server's state tells (Resolve).
const (
	Acked        Outcome = iota // the server answered 2xx
	Unknown                     // no answer: it may or may not have committed
	Committed                   // no answer, but the server holds its result
	NotCommitted                // no answer, and the server does not hold it
)

func (o Outcome) String() string {
	return [...]string{"acknowledged", "unanswered", "unanswered but committed", "unanswered and not committed"}[o]
}

// Change is one write of a customer: its event type (customer.created,
// customer.updated or customer.deleted), the generation it set (0 for a
// create; a delete keeps the generation it found, which is not recorded)
// and what is known of its outcome.
type Change struct {
	Type    string
	Gen     int
	Outcome Outcome
}

// Receipt is one webhook request a receiver got, reduced to what
// identifies the change it reports: the webhook-id header, the payload's
// type, the customer's id and external ID, its generation (metadata gen,
// -1 when absent) and whether it shows the customer deleted.
type Receipt struct {
	WebhookID, Type        string
	CustomerID, ExternalID string
	Gen                    int
	Deleted                bool
}

// ParseReceipt reads a customer event's body into a Receipt.
func ParseReceipt(webhookID string, body []byte) (Receipt, error) {
	var env struct {
		Type string           `json:"type"`
		Data apitype.Customer `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return Receipt{}, fmt.Errorf("webhook %s: %w", webhookID, err)
	}
	r := Receipt{WebhookID: webhookID, Type: env.Type, CustomerID: env.Data.ID, Gen: -1, Deleted: env.Data.DeletedAt != nil}
	if env.Data.ExternalID != nil {
		r.ExternalID = *env.Data.ExternalID
	}
	if g, ok := env.Data.Metadata["gen"].(float64); ok {
		r.Gen = int(g)
	}
	return r, nil
}

// Resolve settles the Unknown outcome of each record's last change from
// the server's state, which the last change alone decides: an unanswered
// create committed when its external ID exists, an update when the
// customer holds its generation, a delete when the customer is gone. An
// unanswered change followed by others stays Unknown. c carries
// customers:read.
func Resolve(ctx context.Context, c *client.Client, recs []CustomerRecord) error {
	for i := range recs {
		rec := &recs[i]
		if len(rec.Changes) == 0 || rec.Changes[len(rec.Changes)-1].Outcome != Unknown {
			continue
		}
		last := &rec.Changes[len(rec.Changes)-1]
		var (
			cu  *apitype.Customer
			err error
		)
		if rec.ID == "" {
			cu, err = c.GetCustomerExternal(ctx, rec.ExternalID)
		} else {
			cu, err = c.GetCustomer(ctx, rec.ID)
		}
		if err != nil && !client.IsNotFound(err) {
			return fmt.Errorf("resolve %s of customer %s%s: %w", last.Type, rec.ID, rec.ExternalID, err)
		}
		var done bool
		switch last.Type {
		case gatehouse.EventCustomerCreated:
			done = err == nil
		case gatehouse.EventCustomerUpdated:
			gen, gerr := -1, error(nil)
			if err == nil {
				gen, gerr = generation(cu)
			}
			done = gerr == nil && gen == last.Gen
		case gatehouse.EventCustomerDeleted:
			done = err != nil
		}
		last.Outcome = NotCommitted
		if done {
			last.Outcome = Committed
		}
	}
	return nil
}
