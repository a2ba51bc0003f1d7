package customers

import (
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// events returns the webhook events of a change of type typ that left c
// as it is: the change itself, then customer.state_changed, as Polar sends
// after each customer event. The payloads are the customer as the API
// shows it (a deleted one with deleted_at), in wire.Event's envelope. The
// store writes them in the change's own transaction.
func events(typ string, c *gatehouse.Customer, at time.Time) ([]gatehouse.Event, error) {
	change, err := wire.Event(typ, c.OrganizationID, c.ID, at, wire.Customer(c))
	if err != nil {
		return nil, err
	}
	state, err := wire.Event(gatehouse.EventCustomerStateChanged, c.OrganizationID, c.ID, at, wire.CustomerState(c))
	if err != nil {
		return nil, err
	}
	return []gatehouse.Event{change, state}, nil
}
