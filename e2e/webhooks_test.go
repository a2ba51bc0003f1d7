package e2e

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
	"github.com/gatehouse/gatehouse/internal/mailtest"
	"github.com/gatehouse/gatehouse/webhook"
)

// hookServeArgs let the binary deliver to receivers on loopback and run
// Polar's retry schedule with a 10 ms factor instead of 2 s: ten attempts
// take 5-10 s instead of 17-34 min, in the same shape.
var hookServeArgs = []string{"--webhooks-allow-private-urls", "--webhook-retry-base", "10ms"}

// polarEventTypes is every event type Polar has (Gatehouse's own
// customer_session.* are opt-in and left out, so none may arrive).
func polarEventTypes() []string {
	var out []string
	for _, typ := range gatehouse.WebhookEventTypes {
		if !strings.HasPrefix(typ, "customer_session.") {
			out = append(out, typ)
		}
	}
	return out
}

// hookOrg creates an organization of its own for one webhook scenario
// (events fan out to every endpoint of an organization) and its client.
func hookOrg(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server, slug string) (e2etest.Org, *client.Client) {
	t.Helper()
	o := d.MustOrg(t, "Hooks "+slug, slug)
	return o, srv.Client(o.Token)
}

// mustEndpoint creates an enabled raw-format endpoint for events at u and
// hides its secret from every log.
func mustEndpoint(t *testing.T, d *e2etest.Deployment, c *client.Client, u string, events ...string) *apitype.WebhookEndpoint {
	t.Helper()
	ep, err := c.CreateWebhookEndpoint(context.Background(), apitype.WebhookEndpointCreate{URL: u, Format: "raw", Events: events})
	if err != nil {
		t.Fatalf("create endpoint %s: %v", u, err)
	}
	if !ep.Enabled || !strings.HasPrefix(ep.Secret, webhook.SecretPrefix) {
		t.Fatalf("created endpoint: enabled %v secret prefix %.6q; want enabled with a whsec_ secret", ep.Enabled, ep.Secret)
	}
	d.Hide(ep.Secret)
	return ep
}

// TestWebhooks drives the real binary on every backend against receivers
// on loopback: the events of customer changes made through the API, the
// portal and a login code, with their signatures, bodies and delivery
// rows (and the official SDKs' verdict on them); retries and the
// deliveries list's filters; auto-disable; a redirect that is not followed.
func TestWebhooks(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			smtp := mailtest.Start(t)
			d := newDeployment(t, be)
			srv := d.MustServe(t, append(hookServeArgs, "--smtp-url", smtp.URL(), "--mail-from", "billing@hooks.test")...)
			t.Run("lifecycle", func(t *testing.T) { t.Parallel(); testHookLifecycle(t, d, srv, smtp) })
			t.Run("retries and deliveries filters", func(t *testing.T) { t.Parallel(); testHookRetries(t, d, srv) })
			t.Run("auto-disable", func(t *testing.T) { t.Parallel(); testHookAutoDisable(t, d, srv) })
			t.Run("redirect not followed", func(t *testing.T) { t.Parallel(); testHookRedirect(t, d, srv) })
		})
	}
}

// testHookLifecycle: every change of two customers reaches the receiver
// as Polar sends it, in commit order per customer, each event once; each
// webhook-id is an event of the deliveries list; redeliver sends the same
// event again; after a secret rotation both secrets verify.
func testHookLifecycle(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server, smtp *mailtest.Server) {
	ctx := context.Background()
	org, c := hookOrg(t, d, srv, "hooks-life")
	rcv := newReceiver(t, nil)
	ep := mustEndpoint(t, d, c, rcv.URL+"/polar?token=abc", polarEventTypes()...)

	janeEmail := email("jane+hooks")
	jane, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: janeEmail, Name: new("Jane"), ExternalID: new("usr_jane")})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("bob+hooks")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCustomer(ctx, jane.ID, apitype.CustomerUpdate{Metadata: map[string]any{"plan": "pro"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateCustomer(ctx, bob.ID, apitype.CustomerUpdate{Name: new("Bob")}); err != nil {
		t.Fatal(err)
	}
	portalBilling(t, d, c, srv.URL, org.Slug, jane.ID)
	verifyEmail(t, d, srv, smtp, org.ID, janeEmail)
	if err := c.DeleteCustomer(ctx, jane.ID, false); err != nil {
		t.Fatal(err)
	}

	const sc = webhook.EventCustomerStateChanged
	want := map[string][]string{
		jane.ID: {"customer.created", sc, "customer.updated", sc, "customer.updated", sc, "customer.updated", sc, "customer.deleted", sc},
		bob.ID:  {"customer.created", sc, "customer.updated", sc},
	}
	rcv.waitFor(t, "14 events", 30*time.Second, func(ds []hookDelivery) bool { return len(ds) >= 14 })
	time.Sleep(200 * time.Millisecond) // an extra event would arrive now
	got := rcv.deliveries()
	byCustomer := map[string][]string{}
	seen := map[string]bool{}
	events := map[string]*webhook.Event{}
	for _, dl := range got {
		ev := checkDelivery(t, dl, ep.Secret)
		if n := signatures(dl); n != 2 {
			t.Errorf("delivery %s: %d v1 signatures, want 2 (legacy and standard key)", dl.ID(), n)
		}
		if seen[dl.ID()] {
			t.Errorf("webhook-id %s delivered twice, want each event once", dl.ID())
		}
		seen[dl.ID()] = true
		events[dl.ID()] = ev
		who := customerOf(t, ev)
		byCustomer[who] = append(byCustomer[who], ev.Type)
	}
	for who, types := range want {
		if !slices.Equal(byCustomer[who], types) {
			t.Errorf("customer %s: got events %v, want %v", who, byCustomer[who], types)
		}
	}
	if len(got) != 14 {
		t.Errorf("receiver got %d requests, want 14:%s", len(got), summarize(got))
	}
	checkLifecyclePayloads(t, got, jane.ID)

	rows := waitDeliveryRows(t, c, ep.ID, len(got), 10*time.Second)
	for _, r := range rows {
		ev := events[r.WebhookEvent.ID]
		switch {
		case ev == nil:
			t.Errorf("delivery row %s: event %s was never received", r.ID, r.WebhookEvent.ID)
		case !r.Succeeded || r.HTTPCode == nil || *r.HTTPCode != 200 || r.WebhookEvent.Succeeded == nil || !*r.WebhookEvent.Succeeded:
			t.Errorf("delivery row %s: succeeded %v http_code %v event succeeded %v; want a 200 success", r.ID, r.Succeeded, r.HTTPCode, r.WebhookEvent.Succeeded)
		case r.WebhookEvent.Type != ev.Type || r.WebhookEvent.Payload == nil:
			t.Errorf("delivery row %s: event type %s payload %v; want %s with its payload", r.ID, r.WebhookEvent.Type, r.WebhookEvent.Payload, ev.Type)
		}
	}
	captured := captureDeliveries(got, ep.Secret)

	// Redeliver a succeeded event: one more POST with the same webhook-id
	// and body, signed afresh.
	first := got[0]
	if err := c.RedeliverWebhookEvent(ctx, first.ID()); err != nil {
		t.Fatal(err)
	}
	again := rcv.waitFor(t, "the redelivery", 20*time.Second, func(ds []hookDelivery) bool { return len(ds) > len(got) })[len(got)]
	checkDelivery(t, again, ep.Secret)
	if again.ID() != first.ID() || string(again.Body) != string(first.Body) {
		t.Errorf("redelivery: got id %s body %s; want id %s and the same body", again.ID(), again.Body, first.ID())
	}
	rows = waitDeliveryRows(t, c, ep.ID, len(got)+1, 10*time.Second)
	if n := countRows(rows, func(r apitype.WebhookDelivery) bool { return r.WebhookEvent.ID == first.ID() }); n != 2 {
		t.Errorf("event %s has %d delivery rows after redeliver, want 2", first.ID(), n)
	}

	// Rotate the secret: while the old one still signs, every delivery
	// carries four signatures and verifies under both secrets.
	rot, err := c.ResetWebhookEndpointSecret(ctx, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	d.Hide(rot.Secret)
	if rot.Secret == ep.Secret || !strings.HasPrefix(rot.Secret, webhook.SecretPrefix) {
		t.Fatalf("rotated secret: got %.6q..., want a new whsec_ secret", rot.Secret)
	}
	before := len(rcv.deliveries())
	if _, err := c.UpdateCustomer(ctx, bob.ID, apitype.CustomerUpdate{Name: new("Bob Rotated")}); err != nil {
		t.Fatal(err)
	}
	rotated := rcv.waitFor(t, "the events after rotation", 20*time.Second, func(ds []hookDelivery) bool { return len(ds) >= before+2 })[before:]
	for _, dl := range rotated {
		checkDelivery(t, dl, ep.Secret, rot.Secret)
		if n := signatures(dl); n != 4 {
			t.Errorf("delivery %s after rotation: %d v1 signatures, want 4 (two keys of each secret)", dl.ID(), n)
		}
	}
	captured = append(captured, captureDeliveries(rotated, ep.Secret)...)
	captured = append(captured, captureDeliveries(rotated, rot.Secret)...)
	t.Run("official SDKs verify", func(t *testing.T) { verifyWithSDKs(t, captured) })
}

// checkLifecyclePayloads checks what the payloads of jane's changes say:
// the portal's billing address, the verified e-mail, and the deleted
// customer as Polar shows it (deleted_at, external ID in metadata).
func checkLifecyclePayloads(t *testing.T, got []hookDelivery, janeID string) {
	t.Helper()
	var updates []*apitype.Customer
	var deleted *apitype.Customer
	for _, dl := range got {
		ev, err := webhook.Parse(dl.Body)
		if err != nil || ev.Type == webhook.EventCustomerStateChanged {
			continue
		}
		c, err := ev.Customer()
		if err != nil || c.ID != janeID {
			continue
		}
		if ev.Timestamp.IsZero() || time.Since(ev.Timestamp) > time.Minute {
			t.Errorf("%s: timestamp %v, want the change's time", ev.Type, ev.Timestamp)
		}
		switch ev.Type {
		case webhook.EventCustomerUpdated:
			updates = append(updates, c)
		case webhook.EventCustomerDeleted:
			deleted = c
		}
	}
	if len(updates) != 3 {
		t.Fatalf("jane: %d customer.updated, want 3 (API, portal, e-mail verification)", len(updates))
	}
	if updates[0].Metadata["plan"] != "pro" || updates[0].ModifiedAt == nil {
		t.Errorf("API update payload: metadata %v modified_at %v; want plan=pro and modified_at", updates[0].Metadata, updates[0].ModifiedAt)
	}
	if a := updates[1].BillingAddress; str(updates[1].BillingName) != "Jane Ltd" || a == nil || a.Country != "FR" || str(a.City) != "Paris" {
		t.Errorf("portal update payload: billing name %s address %+v; want Jane Ltd in Paris, FR", str(updates[1].BillingName), a)
	}
	if updates[1].EmailVerified || !updates[2].EmailVerified {
		t.Errorf("email_verified: portal update %v, login-code update %v; want false then true", updates[1].EmailVerified, updates[2].EmailVerified)
	}
	if deleted == nil || deleted.DeletedAt == nil || deleted.Metadata["__external_id"] != "usr_jane" || deleted.ExternalID != nil {
		t.Errorf("customer.deleted payload: %+v; want deleted_at, external_id null and metadata __external_id usr_jane", deleted)
	}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// portalBilling saves a billing name and address through the portal's
// account form, as a browser does: the customer_portal_url moves the
// session token into a cookie, the page carries the CSRF token, the form
// posts and redirects back to the page.
func portalBilling(t *testing.T, d *e2etest.Deployment, c *client.Client, base, slug, customerID string) {
	t.Helper()
	s, err := c.CreateCustomerSession(context.Background(), apitype.CustomerSessionCreate{CustomerID: customerID})
	if err != nil {
		t.Fatal(err)
	}
	d.Hide(s.Token)
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	m := csrfField.FindStringSubmatch(mustGet(t, hc, s.CustomerPortalURL))
	if m == nil {
		t.Fatal("the portal's account page has no CSRF field")
	}
	resp, err := hc.PostForm(base+"/"+slug+"/portal/account", url.Values{"csrf_token": {m[1]},
		"billing_name": {"Jane Ltd"}, "line1": {"1 Rue de la Paix"}, "postal_code": {"75002"}, "city": {"Paris"}, "country": {"FR"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("saved") != "1" {
		t.Fatalf("portal billing form: got %d at %s, want 200 on the saved page", resp.StatusCode, resp.Request.URL.Path)
	}
}

// verifyEmail signs the customer in with an e-mailed login code, which
// verifies the address.
func verifyEmail(t *testing.T, d *e2etest.Deployment, srv *e2etest.Server, smtp *mailtest.Server, orgID, addr string) {
	t.Helper()
	ctx := context.Background()
	anon := client.New(srv.URL)
	if err := anon.RequestLoginCode(ctx, addr, orgID); err != nil {
		t.Fatal(err)
	}
	msg := smtp.WaitFor(t, func(m mailtest.Received) bool { return len(m.To) == 1 && m.To[0] == addr }, 20*time.Second)
	code := mustCode(t, msg.Text)
	d.Hide(code)
	tok, err := anon.AuthenticateLoginCode(ctx, code)
	if err != nil {
		t.Fatalf("authenticate with the mailed code: %v", err)
	}
	d.Hide(tok)
}

func countRows(rows []apitype.WebhookDelivery, keep func(apitype.WebhookDelivery) bool) int {
	n := 0
	for _, r := range rows {
		if keep(r) {
			n++
		}
	}
	return n
}
