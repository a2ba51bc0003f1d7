package customers

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/jsjson"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// envelope is a webhook payload as Polar sends it: {"type","timestamp",
// "data"}, in that order.
type envelope struct {
	Type      string       `json:"type"`
	Timestamp apitype.Time `json:"timestamp"`
	Data      any          `json:"data"`
}

// events returns the webhook events of a change of type typ that left c
// as it is: the change itself, then customer.state_changed, as Polar sends
// after each customer event. The payloads are the customer as the API
// shows it (a deleted one with deleted_at), written as JavaScript's
// JSON.stringify would, so receivers that re-serialize still verify. The
// store writes them in the change's own transaction.
func events(typ string, c *gatehouse.Customer, at time.Time) ([]gatehouse.Event, error) {
	out := make([]gatehouse.Event, 0, 2)
	for _, e := range []envelope{
		{typ, apitype.NewTime(at), wire.Customer(c)},
		{gatehouse.EventCustomerStateChanged, apitype.NewTime(at), wire.CustomerState(c)},
	} {
		b, err := jsjson.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("%s payload of customer %s: %w", e.Type, c.ID, err)
		}
		out = append(out, gatehouse.Event{Type: e.Type, OrganizationID: c.OrganizationID,
			CustomerID: c.ID, Timestamp: at, Payload: b})
	}
	return out, nil
}
