package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/token"
)

// TestWebhooksCommand runs "gatehouse webhooks" on a real SQLite file
// holding two endpoints (one disabled) and more failed deliveries than
// it lists, plus a successful one it must not list.
func TestWebhooksCommand(t *testing.T) {
	const secret = "cli webhooks test secret"
	dbPath := filepath.Join(t.TempDir(), "wh.db")
	env := map[string]string{"GATEHOUSE_DB": "sqlite:" + dbPath, "GATEHOUSE_SECRET": secret}
	if code, _, errOut := mustRun(t, env, "org", "create", "--name", "Acme Inc", "--slug", "acme"); code != 0 {
		t.Fatalf("org create: exit %d, stderr %s", code, errOut)
	}
	if code, out, errOut := mustRun(t, env, "webhooks", "--org", "acme"); code != 0 ||
		strings.TrimSpace(out) != strings.TrimSpace(mustJSONShape(t, out)) || !strings.Contains(out, `"endpoints":[]`) || !strings.Contains(out, `"failed_deliveries":[]`) {
		t.Fatalf("webhooks on an organization without endpoints: exit %d, stdout %q, stderr %q; want empty lists", code, out, errOut)
	}

	ctx := context.Background()
	sealer, err := token.NewSealer(secret)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, "sqlite:"+dbPath, sqlstore.Options{Sealer: sealer})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org, err := st.OrganizationBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	mustEP := func(url string, enabled bool) *gatehouse.WebhookEndpoint {
		ep := &gatehouse.WebhookEndpoint{OrganizationID: org.ID, CreatedAt: time.Now(), URL: url, Format: gatehouse.WebhookFormatRaw,
			Secret: whsec, Enabled: enabled, Events: []string{gatehouse.EventCustomerCreated}}
		if err := st.CreateWebhookEndpoint(ctx, ep); err != nil {
			t.Fatalf("create endpoint: %v", err)
		}
		return ep
	}
	live := mustEP("https://hooks.example.com/live", true)
	mustEP("https://hooks.example.com/off", false)

	email := "cli@example.com"
	c := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: org.ID, CreatedAt: time.Now(), Email: &email, Type: gatehouse.CustomerIndividual}
	ev := gatehouse.Event{Type: gatehouse.EventCustomerCreated, OrganizationID: org.ID, CustomerID: c.ID, Timestamp: time.Now(),
		Payload: []byte(`{"type":"customer.created","timestamp":"2026-10-01T12:00:00.000Z","data":{}}`)}
	if err := st.CreateCustomer(ctx, c, ev); err != nil {
		t.Fatal(err)
	}
	att, err := st.BeginWebhookAttempt(ctx, mustOnlyEventID(t, st, org.ID), false, gatehouse.WebhookClaim{})
	if err != nil || att == nil {
		t.Fatalf("begin attempt: %v, %v", att, err)
	}
	// 25 failures: 500 with a long non-ASCII body, one unreachable; then a
	// success. Distinct times so "newest first" is checkable.
	long := strings.Repeat("é", 300)
	base := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	for i := range 25 {
		code, resp := 500, long
		d := &gatehouse.WebhookDelivery{EventID: att.Event.ID, CreatedAt: base.Add(time.Duration(i) * time.Second), HTTPCode: &code, Response: &resp}
		if i == 24 {
			unreachable := "dial tcp: connection refused"
			d.HTTPCode, d.Response = nil, &unreachable
		}
		if _, err := st.FinishWebhookAttempt(ctx, d, false); err != nil {
			t.Fatal(err)
		}
	}
	ok, okResp := 200, "fine"
	if _, err := st.FinishWebhookAttempt(ctx, &gatehouse.WebhookDelivery{EventID: att.Event.ID, CreatedAt: base.Add(time.Minute),
		Succeeded: true, HTTPCode: &ok, Response: &okResp}, true); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := mustRun(t, env, "webhooks", "--org", "acme")
	if code != 0 {
		t.Fatalf("webhooks: exit %d, stderr %s", code, errOut)
	}
	if strings.Contains(out, whsec) || strings.Contains(out, "secret") {
		t.Errorf("webhooks output shows a secret: %s", out)
	}
	var got webhooksOutput
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("webhooks printed %q: %v", out, err)
	}
	if got.Organization.ID != org.ID || got.Organization.Slug != "acme" {
		t.Errorf("organization: got %+v, want acme %s", got.Organization, org.ID)
	}
	if len(got.Endpoints) != 2 {
		t.Fatalf("endpoints: got %d, want 2: %s", len(got.Endpoints), out)
	}
	enabled := map[string]bool{}
	for _, ep := range got.Endpoints {
		enabled[ep.URL] = ep.Enabled
		if len(ep.Events) != 1 || ep.Events[0] != gatehouse.EventCustomerCreated || ep.CreatedAt.IsZero() || ep.ID == "" {
			t.Errorf("endpoint %+v: want id, events [customer.created], created_at", ep)
		}
	}
	if !enabled["https://hooks.example.com/live"] || enabled["https://hooks.example.com/off"] {
		t.Errorf("endpoints enabled: got %v, want live on and off off", enabled)
	}
	if len(got.FailedDeliveries) != defaultFailures {
		t.Fatalf("failed deliveries: got %d, want the latest %d", len(got.FailedDeliveries), defaultFailures)
	}
	newest := got.FailedDeliveries[0]
	if newest.HTTPCode != nil || newest.Response != "dial tcp: connection refused" || !newest.CreatedAt.Equal(base.Add(24*time.Second)) {
		t.Errorf("newest failure: got %+v, want the unreachable attempt at %v", newest, base.Add(24*time.Second))
	}
	for i, f := range got.FailedDeliveries {
		if f.EndpointID != live.ID || f.EventID != att.Event.ID || f.Type != gatehouse.EventCustomerCreated {
			t.Errorf("failure %d: got endpoint %s event %s type %s, want %s %s customer.created", i, f.EndpointID, f.EventID, f.Type, live.ID, att.Event.ID)
		}
		if i > 0 {
			if f.HTTPCode == nil || *f.HTTPCode != 500 || utf8.RuneCountInString(f.Response) != failureResponseChars || !strings.HasPrefix(long, f.Response) {
				t.Errorf("failure %d: got code %v, %d-char response, want 500 and the first %d characters", i, f.HTTPCode, utf8.RuneCountInString(f.Response), failureResponseChars)
			}
			if !f.CreatedAt.Before(got.FailedDeliveries[i-1].CreatedAt.Time) {
				t.Errorf("failure %d at %v is not older than the one before it", i, f.CreatedAt)
			}
		}
	}

	for _, tt := range []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"webhooks"}, 2, "try: gatehouse webhooks --org acme"},
		{[]string{"webhooks", "--org", "acme", "--failures", "101"}, 2, "--failures must be 0-100"},
		{[]string{"webhooks", "--org", "nope"}, 1, `no organization with slug "nope"`},
	} {
		if code, _, errOut := mustRun(t, env, tt.args...); code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("gatehouse %q: got exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.wantErr)
		}
	}
}

// mustJSONShape checks out is one JSON object and returns it.
func mustJSONShape(t *testing.T, out string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("output %q is not a JSON object: %v", out, err)
	}
	return out
}

// mustOnlyEventID returns the id of the organization's one event.
func mustOnlyEventID(t *testing.T, st *sqlstore.Store, orgID string) string {
	t.Helper()
	var id string
	if err := st.DB().QueryRow(`SELECT id FROM webhook_events WHERE organization_id = ?`, orgID).Scan(&id); err != nil {
		t.Fatalf("find the event: %v", err)
	}
	return id
}
