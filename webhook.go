package gatehouse

import (
	"context"
	"slices"
	"time"
)

// The webhook event types Gatehouse emits. The customer ones are Polar's;
// the customer_session ones are Gatehouse's own, sent only to endpoints that
// list them.
const (
	EventCustomerCreated        = "customer.created"
	EventCustomerUpdated        = "customer.updated"
	EventCustomerDeleted        = "customer.deleted"
	EventCustomerStateChanged   = "customer.state_changed"
	EventCustomerSessionCreated = "customer_session.created"
	EventCustomerSessionRevoked = "customer_session.revoked"
)

// WebhookEventTypes is every type an endpoint may subscribe to: each value
// of Polar's WebhookEventType (an SDK subscribing to order.created must not
// get a 422, though Gatehouse never sends one), then Gatehouse's own.
var WebhookEventTypes = []string{
	"checkout.created", "checkout.updated", "checkout.expired",
	EventCustomerCreated, EventCustomerUpdated, EventCustomerDeleted, EventCustomerStateChanged,
	"customer_seat.assigned", "customer_seat.claimed", "customer_seat.revoked",
	"member.created", "member.updated", "member.deleted",
	"order.created", "order.updated", "order.paid", "order.refunded",
	"subscription.created", "subscription.updated", "subscription.active", "subscription.canceled",
	"subscription.uncanceled", "subscription.cycled", "subscription.revoked", "subscription.past_due",
	"subscription.paused", "subscription.resumed",
	"refund.created", "refund.updated",
	"product.created", "product.updated",
	"discount.created", "discount.updated", "discount.deleted",
	"benefit.created", "benefit.updated",
	"benefit_grant.created", "benefit_grant.cycled", "benefit_grant.updated", "benefit_grant.revoked",
	"organization.updated",
	EventCustomerSessionCreated, EventCustomerSessionRevoked,
}

// ValidWebhookEventType reports whether t is one of WebhookEventTypes.
func ValidWebhookEventType(t string) bool { return slices.Contains(WebhookEventTypes, t) }

// Webhook payload formats (Polar's WebhookFormat).
const (
	WebhookFormatRaw     = "raw"
	WebhookFormatDiscord = "discord"
	WebhookFormatSlack   = "slack"
)

// Polar's delivery rules, which Gatehouse keeps.
const (
	// WebhookMaxAttempts is how many deliveries an event gets before it
	// has failed for good.
	WebhookMaxAttempts = 10
	// WebhookFailureThreshold: an endpoint whose this many latest finished
	// events all failed is disabled, and its pending events are skipped.
	WebhookFailureThreshold = 10
	// WebhookSecretOverlap is how long a replaced secret keeps signing
	// beside the new one.
	WebhookSecretOverlap = 24 * time.Hour
	// WebhookResponseMax is how many characters of a receiver's answer a
	// delivery keeps.
	WebhookResponseMax = 2048
)

// WebhookEndpoint is where an organization receives its events.
type WebhookEndpoint struct {
	ID             string
	OrganizationID string
	CreatedAt      time.Time
	ModifiedAt     *time.Time
	DeletedAt      *time.Time // soft delete: from then on invisible
	URL            string
	Name           *string
	Format         string // WebhookFormatRaw, ...
	// Secret signs deliveries. It is plaintext in memory only: stores keep
	// it sealed (Sealer) and never log it.
	Secret string
	// PreviousSecret, until PreviousSecretUntil, signs beside Secret (a
	// rotation's overlap).
	PreviousSecret      *string
	PreviousSecretUntil *time.Time
	Events              []string // subscribed types, in the order given
	Enabled             bool
}

// Subscribed reports whether the endpoint wants events of type t.
func (e *WebhookEndpoint) Subscribed(t string) bool { return slices.Contains(e.Events, t) }

// SigningSecrets returns the secrets that sign a delivery at now: Secret,
// then PreviousSecret during the overlap.
func (e *WebhookEndpoint) SigningSecrets(now time.Time) []string {
	out := []string{e.Secret}
	if e.PreviousSecret != nil && e.PreviousSecretUntil != nil && now.Before(*e.PreviousSecretUntil) {
		out = append(out, *e.PreviousSecret)
	}
	return out
}

// Event is a change to report to the organization's endpoints. A store
// writes the events of a change in the change's own transaction, one
// WebhookEvent for each enabled endpoint subscribed to Type: a change that
// commits has its events, one that rolls back has none.
type Event struct {
	Type           string
	OrganizationID string
	// CustomerID orders events: for one endpoint, a customer's events are
	// attempted in commit order, each after the one before it succeeded or
	// failed for good.
	CustomerID string
	Timestamp  time.Time
	// Payload is the exact body sent and signed: the envelope
	// {"type","timestamp","data"} as JavaScript's JSON.stringify writes it.
	Payload []byte
}

// WebhookEvent is one event for one endpoint (Polar's WebhookEvent).
type WebhookEvent struct {
	ID             string // the webhook-id of every delivery of it
	OrganizationID string
	EndpointID     string
	CustomerID     string
	Type           string
	CreatedAt      time.Time
	ModifiedAt     *time.Time
	Payload        *string // nil once archived
	Succeeded      *bool   // nil until it succeeded or failed for good
	Skipped        bool    // the endpoint was disabled
	LastHTTPCode   *int
}

// Archived reports whether the payload was dropped by retention.
func (e *WebhookEvent) Archived() bool { return e.Payload == nil }

// WebhookDelivery is one attempt to deliver an event.
type WebhookDelivery struct {
	ID         string
	EventID    string
	CreatedAt  time.Time
	ModifiedAt *time.Time
	Succeeded  bool
	HTTPCode   *int    // nil: the endpoint was unreachable
	Response   *string // the answer's first WebhookResponseMax characters, or the error
	Event      *WebhookEvent
}

// WebhookDeliveryFilter narrows a deliveries list. Empty fields do not
// filter.
type WebhookDeliveryFilter struct {
	EndpointIDs   []string
	Start, End    *time.Time // strictly after, strictly before created_at
	Succeeded     *bool
	Query         string // case-insensitive substring of the delivery ID, event ID or HTTP code
	HTTPCodeClass string // "2xx", "3xx", "4xx" or "5xx"
	EventTypes    []string
	Page          Page
}

// WebhookAttempt is what a sender needs to deliver an event.
type WebhookAttempt struct {
	Event    *WebhookEvent
	Endpoint *WebhookEndpoint // as stored now, deleted or not
	// Deliveries is how many deliveries the event had so far.
	Deliveries int
}

// WebhookStore is the persistence of webhooks; every Store implements it.
// Organization-scoped methods treat another organization's rows as
// missing (ENotFound).
type WebhookStore interface {
	// CreateWebhookEndpoint inserts e.
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// WebhookEndpoint returns a live endpoint, or ENotFound.
	WebhookEndpoint(ctx context.Context, orgID, id string) (*WebhookEndpoint, error)
	// ListWebhookEndpoints returns a page of live endpoints, newest first,
	// and the total count.
	ListWebhookEndpoints(ctx context.Context, orgID string, p Page) ([]*WebhookEndpoint, int, error)
	// UpdateWebhookEndpoint writes every field of e to the live row
	// (ENotFound if none); setting DeletedAt soft-deletes it.
	UpdateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error

	// WebhookEvent returns one event of the organization, or ENotFound.
	WebhookEvent(ctx context.Context, orgID, id string) (*WebhookEvent, error)
	// ListWebhookDeliveries returns a page of deliveries of the
	// organization's endpoints, newest first, each with its Event, and the
	// total count.
	ListWebhookDeliveries(ctx context.Context, orgID string, f WebhookDeliveryFilter) ([]*WebhookDelivery, int, error)

	// BeginWebhookAttempt loads the event with id for a delivery and
	// claims it for claim.Owner until claim.Until. When an earlier event of
	// the same endpoint and customer is unfinished (and redeliver is false)
	// it returns nil and marks the event waiting: the earlier one's
	// FinishWebhookAttempt enqueues it again. While another owner's claim
	// holds, it returns nil (redeliver false: that sender finishes the
	// event) or EConflict (redeliver: try again later), so no two senders
	// attempt one event at once. ENotFound when the event does not exist.
	BeginWebhookAttempt(ctx context.Context, id string, redeliver bool, claim WebhookClaim) (*WebhookAttempt, error)
	// FinishWebhookAttempt records d (an attempt of d.EventID). With final
	// set the event is finished: Succeeded is d.Succeeded, the next waiting
	// event of its endpoint and customer is enqueued, and a failure that
	// makes the endpoint's WebhookFailureThreshold latest finished events
	// all failures disables the endpoint and skips its pending events
	// (disabled reports it). All in one transaction.
	FinishWebhookAttempt(ctx context.Context, d *WebhookDelivery, final bool) (disabled bool, err error)
	// SkipWebhookEvent marks an unsent event skipped (its endpoint is
	// disabled or deleted) and enqueues the next waiting one.
	SkipWebhookEvent(ctx context.Context, id string) error
	// RedeliverWebhookEvent clears Skipped of an event of the organization
	// and enqueues it as a redelivery: ENotFound if there is no such event,
	// EInvalid if it is archived.
	RedeliverWebhookEvent(ctx context.Context, orgID, id string) error
	// ArchiveWebhookEvents drops the payloads of events created before t
	// and returns how many it archived.
	ArchiveWebhookEvents(ctx context.Context, before time.Time) (int, error)
}

// WebhookClaim names the sender of an attempt and how long its claim on
// the event lasts: a sender that dies leaves the event to the next one
// after Until, and its own job, retried under the same Owner, may take it
// back at once. FinishWebhookAttempt and SkipWebhookEvent release it.
type WebhookClaim struct {
	Owner string // e.g. the job's ID; "" claims nothing and ignores claims (tools, tests)
	Until time.Time
}

// WebhookQueue puts events on the durable job engine that delivers them.
// A store calls it inside the transaction that writes the events (tx is
// the store's own transaction value), so an event is queued if and only if
// it commits.
type WebhookQueue interface {
	EnqueueTx(ctx context.Context, tx any, jobs []WebhookJob) error
}

// WebhookJob asks for one delivery of an event.
type WebhookJob struct {
	EventID   string
	Redeliver bool
}

// Sealer encrypts secrets that must be read back (webhook secrets) for
// storage: Open reverses Seal, also for values sealed under a previous key
// during a key rotation.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}
