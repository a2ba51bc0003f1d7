package webhooks

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/idna"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
	"github.com/gatehouse/gatehouse/webhook"
)

// Endpoints implements gatehouse.WebhookEndpointService on a WebhookStore.
//
// The rules (Polar's, contract §1.1, webhook/schemas.py and service.py):
//   - url is stripped, parsed as pydantic's HttpsUrl (https only, a host,
//     at most 2083 characters), its host valid IDNA, and neither
//     localhost, 0.0.0.0, [::1] nor an IP literal that is not a public
//     address (PublicAddr, the rule every delivery's dial applies too);
//     with allowPrivate, http and any host are accepted, for receivers on
//     a private network and for tests;
//   - format is raw, discord or slack; every event is one of
//     gatehouse.WebhookEventTypes (all of Polar's, so an SDK subscribing
//     to order.created is not refused, and Gatehouse's own);
//   - the secret is generated (whsec_ + base64 of 32 random bytes), or
//     the deprecated secret field, at least 32 characters, is taken;
//   - an update changes only what it names; enabling a disabled endpoint
//     whose stored URL no longer passes (allowPrivate was turned off)
//     needs a new URL in the same update;
//   - a rotation keeps the old secret signing for WebhookSecretOverlap;
//   - a delete is soft.
type Endpoints struct {
	store        gatehouse.WebhookStore
	now          func() time.Time
	allowPrivate bool
}

var _ gatehouse.WebhookEndpointService = (*Endpoints)(nil)

// NewEndpoints returns the service writing to store, with now as its clock
// (nil: time.Now); allowPrivate is --webhooks-allow-private-urls.
func NewEndpoints(store gatehouse.WebhookStore, now func() time.Time, allowPrivate bool) *Endpoints {
	if now == nil {
		now = time.Now
	}
	return &Endpoints{store: store, now: now, allowPrivate: allowPrivate}
}

// clock is the current time in UTC at microsecond precision, the precision
// every store keeps.
func (s *Endpoints) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// minSecretLen is the deprecated secret field's min_length.
const minSecretLen = 32

// Create implements gatehouse.WebhookEndpointService.
func (s *Endpoints) Create(ctx context.Context, orgID string, in gatehouse.WebhookEndpointCreate) (*gatehouse.WebhookEndpoint, error) {
	if in.OrganizationID != nil {
		return nil, gatehouse.Invalid(gatehouse.FieldError{Type: "organization_token", Loc: []any{"body", "organization_id"},
			Msg: "Setting organization_id is disallowed when using an organization token.", Input: *in.OrganizationID})
	}
	var errs []gatehouse.FieldError
	u, fe := s.checkURL(in.URL)
	errs = appendFE(errs, fe)
	errs = appendFE(errs, checkFormat(in.Format))
	errs = append(errs, checkEvents(in.Events)...)
	secret := ""
	if in.Secret != nil {
		if n := len([]rune(*in.Secret)); n < minSecretLen {
			errs = append(errs, gatehouse.FieldError{Type: "string_too_short", Loc: []any{"body", "secret"},
				Msg: "String should have at least 32 characters", Input: *in.Secret, Ctx: map[string]any{"min_length": minSecretLen}})
		}
		secret = *in.Secret
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidSchema(errs...)
	}
	if secret == "" {
		secret = webhook.NewSecret()
	}
	e := &gatehouse.WebhookEndpoint{
		ID: gatehouse.NewID(), OrganizationID: orgID, CreatedAt: s.clock(),
		URL: u, Name: in.Name, Format: in.Format, Secret: secret,
		Events: append([]string{}, in.Events...), Enabled: true,
	}
	if err := s.store.CreateWebhookEndpoint(ctx, e); err != nil {
		return nil, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

// Update implements gatehouse.WebhookEndpointService.
func (s *Endpoints) Update(ctx context.Context, orgID, id string, p gatehouse.WebhookEndpointPatch) (*gatehouse.WebhookEndpoint, error) {
	var errs []gatehouse.FieldError
	var u string
	if p.URL != nil {
		var fe *gatehouse.FieldError
		u, fe = s.checkURL(*p.URL)
		errs = appendFE(errs, fe)
	}
	if p.Format != nil {
		errs = appendFE(errs, checkFormat(*p.Format))
	}
	if p.Events != nil {
		errs = append(errs, checkEvents(p.Events)...)
	}
	if len(errs) > 0 {
		return nil, gatehouse.InvalidSchema(errs...)
	}
	cur, err := s.Get(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	e := *cur
	if p.Enabled != nil && *p.Enabled && !e.Enabled && p.URL == nil {
		if _, fe := s.checkURL(e.URL); fe != nil {
			return nil, gatehouse.Invalid(gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "enabled"},
				Msg: "Cannot enable a webhook endpoint with an invalid URL. Please update the URL first.", Input: true})
		}
	}
	if p.URL != nil {
		e.URL = u
	}
	if p.Name != nil {
		e.Name = p.Name
	}
	if p.Format != nil {
		e.Format = *p.Format
	}
	if p.Events != nil {
		e.Events = append([]string{}, p.Events...)
	}
	if p.Enabled != nil {
		e.Enabled = *p.Enabled
	}
	return s.save(ctx, &e)
}

// RotateSecret implements gatehouse.WebhookEndpointService.
func (s *Endpoints) RotateSecret(ctx context.Context, orgID, id string) (*gatehouse.WebhookEndpoint, error) {
	cur, err := s.Get(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	secret := webhook.NewSecret()
	e := *cur
	old, until := cur.Secret, s.clock().Add(gatehouse.WebhookSecretOverlap)
	e.Secret, e.PreviousSecret, e.PreviousSecretUntil = secret, &old, &until
	return s.save(ctx, &e)
}

// Delete implements gatehouse.WebhookEndpointService.
func (s *Endpoints) Delete(ctx context.Context, orgID, id string) error {
	cur, err := s.Get(ctx, orgID, id)
	if err != nil {
		return err
	}
	e := *cur
	now := s.clock()
	e.DeletedAt = &now
	_, err = s.save(ctx, &e)
	return err
}

// save stamps e modified now and writes it.
func (s *Endpoints) save(ctx context.Context, e *gatehouse.WebhookEndpoint) (*gatehouse.WebhookEndpoint, error) {
	now := s.clock()
	e.ModifiedAt = &now
	if err := s.store.UpdateWebhookEndpoint(ctx, e); err != nil {
		return nil, fmt.Errorf("update webhook endpoint %s: %w", e.ID, err)
	}
	return e, nil
}

// Get implements gatehouse.WebhookEndpointService.
func (s *Endpoints) Get(ctx context.Context, orgID, id string) (*gatehouse.WebhookEndpoint, error) {
	e, err := s.store.WebhookEndpoint(ctx, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("find webhook endpoint %s: %w", id, err)
	}
	return e, nil
}

// List implements gatehouse.WebhookEndpointService.
func (s *Endpoints) List(ctx context.Context, orgID string, p gatehouse.Page) ([]*gatehouse.WebhookEndpoint, int, error) {
	es, n, err := s.store.ListWebhookEndpoints(ctx, orgID, p)
	if err != nil {
		return nil, 0, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return es, n, nil
}

// Deliveries implements gatehouse.WebhookEndpointService.
func (s *Endpoints) Deliveries(ctx context.Context, orgID string, f gatehouse.WebhookDeliveryFilter) ([]*gatehouse.WebhookDelivery, int, error) {
	ds, n, err := s.store.ListWebhookDeliveries(ctx, orgID, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list webhook deliveries: %w", err)
	}
	return ds, n, nil
}

// Redeliver implements gatehouse.WebhookEndpointService.
func (s *Endpoints) Redeliver(ctx context.Context, orgID, eventID string) error {
	err := s.store.RedeliverWebhookEvent(ctx, orgID, eventID)
	if gatehouse.ErrorCodeOf(err) == gatehouse.EInvalid {
		return gatehouse.Invalid(gatehouse.FieldError{Type: "value_error", Loc: []any{"path", "id"},
			Msg: "Archived webhook events can't be redelivered.", Input: eventID})
	}
	if err != nil {
		return fmt.Errorf("redeliver webhook event %s: %w", eventID, err)
	}
	return nil
}

// errPrivate is Polar's message for a host no delivery may reach.
const errPrivate = "Webhook URLs cannot point to localhost or private IP addresses."

// localHosts are refused by name, as Polar's LOCALHOST_HOSTS (the IP
// literals among them PublicAddr refuses too).
var localHosts = map[string]bool{"localhost": true, "localhost.": true, "0.0.0.0": true, "::1": true}

// checkURL validates a webhook URL and returns its normalized form (as
// pydantic serializes an HttpsUrl: lower-case scheme and host, "/" for an
// empty path).
func (s *Endpoints) checkURL(raw string) (string, *gatehouse.FieldError) {
	loc := []any{"body", "url"}
	in := strings.TrimSpace(raw)
	u, fe := validate.ReturnURL(loc, in)
	if fe != nil {
		if fe.Type == "url_scheme" {
			fe = httpsOnly(loc, in)
		}
		return "", fe
	}
	pu, err := url.Parse(u)
	if err != nil { // ReturnURL's output always parses; refuse rather than trust
		return "", &gatehouse.FieldError{Type: "url_parsing", Loc: loc, Msg: "Input should be a valid URL", Input: in}
	}
	if pu.Scheme != "https" && !s.allowPrivate {
		return "", httpsOnly(loc, in)
	}
	host := pu.Hostname()
	addr, ipErr := netip.ParseAddr(host)
	if ipErr != nil {
		if _, err := idna.Lookup.ToASCII(host); err != nil {
			return "", valueError(loc, in, "Invalid webhook URL: the hostname contains characters not allowed in domain names.")
		}
	}
	if s.allowPrivate {
		return u, nil
	}
	if localHosts[host] || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".localhost.") ||
		ipErr == nil && !PublicAddr(addr) {
		return "", valueError(loc, in, errPrivate)
	}
	return u, nil
}

func httpsOnly(loc []any, in string) *gatehouse.FieldError {
	return &gatehouse.FieldError{Type: "url_scheme", Loc: loc, Input: in, Msg: "URL scheme should be 'https'",
		Ctx: map[string]any{"expected_schemes": "'https'"}}
}

// valueError is a pydantic after-validator's ValueError as FastAPI shows
// it.
func valueError(loc []any, in any, msg string) *gatehouse.FieldError {
	return &gatehouse.FieldError{Type: "value_error", Loc: loc, Input: in, Msg: "Value error, " + msg,
		Ctx: map[string]any{"error": map[string]any{}}}
}

const formatEnum = "'raw', 'discord' or 'slack'"

func checkFormat(f string) *gatehouse.FieldError {
	switch f {
	case gatehouse.WebhookFormatRaw, gatehouse.WebhookFormatDiscord, gatehouse.WebhookFormatSlack:
		return nil
	}
	return &gatehouse.FieldError{Type: "enum", Loc: []any{"body", "format"}, Input: f,
		Msg: "Input should be " + formatEnum, Ctx: map[string]any{"expected": formatEnum}}
}

// eventEnum is pydantic's rendering of the WebhookEventType choices.
var eventEnum = func() string {
	q := make([]string, len(gatehouse.WebhookEventTypes))
	for i, t := range gatehouse.WebhookEventTypes {
		q[i] = "'" + t + "'"
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}()

func checkEvents(events []string) []gatehouse.FieldError {
	var errs []gatehouse.FieldError
	for i, t := range events {
		if !gatehouse.ValidWebhookEventType(t) {
			errs = append(errs, gatehouse.FieldError{Type: "enum", Loc: []any{"body", "events", i}, Input: t,
				Msg: "Input should be " + eventEnum, Ctx: map[string]any{"expected": eventEnum}})
		}
	}
	return errs
}

func appendFE(errs []gatehouse.FieldError, fe *gatehouse.FieldError) []gatehouse.FieldError {
	if fe != nil {
		errs = append(errs, *fe)
	}
	return errs
}
