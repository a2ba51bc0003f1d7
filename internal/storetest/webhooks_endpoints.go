package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// wantEndpoint is ep as a store gives it back.
func wantEndpoint(ep *gatehouse.WebhookEndpoint) *gatehouse.WebhookEndpoint {
	w := *ep
	w.CreatedAt, w.ModifiedAt, w.DeletedAt, w.PreviousSecretUntil = utcMicro(ep.CreatedAt), utcMicroPtr(ep.ModifiedAt), utcMicroPtr(ep.DeletedAt), utcMicroPtr(ep.PreviousSecretUntil)
	if w.Events == nil {
		w.Events = []string{}
	}
	return &w
}

func sameEndpoint(t *testing.T, got, want *gatehouse.WebhookEndpoint, what string) {
	t.Helper()
	if w := wantEndpoint(want); !reflect.DeepEqual(got, w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, dump(got), dump(w))
	}
}

func testWebhookEndpoints(t *testing.T, e *whEnv) {
	s := e.s
	org, other := mustOrg(t, s), mustOrg(t, s)
	old := newEndpoint(org, T0, gatehouse.EventCustomerCreated)
	mustOK(t, s.CreateWebhookEndpoint(ctx, old), "create endpoint")
	ep := newEndpoint(org, at(time.Minute), gatehouse.EventCustomerUpdated, gatehouse.EventCustomerCreated)
	ep.Name, ep.Format = nil, gatehouse.WebhookFormatSlack
	mustOK(t, s.CreateWebhookEndpoint(ctx, ep), "create endpoint")
	got, err := s.WebhookEndpoint(ctx, org.ID, ep.ID)
	mustOK(t, err, "get endpoint")
	sameEndpoint(t, got, ep, "endpoint by id")

	list, total, err := s.ListWebhookEndpoints(ctx, org.ID, gatehouse.Page{Page: 1, Limit: 10})
	mustOK(t, err, "list endpoints")
	if total != 2 || len(list) != 2 || list[0].ID != ep.ID || list[1].ID != old.ID {
		t.Fatalf("list: got %d of total %d (%s), want [%s %s] of 2", len(list), total, dump(list), ep.ID, old.ID)
	}
	sameEndpoint(t, list[1], old, "listed endpoint")
	list, total, err = s.ListWebhookEndpoints(ctx, org.ID, gatehouse.Page{Page: 2, Limit: 1})
	if err != nil || total != 2 || len(list) != 1 || list[0].ID != old.ID {
		t.Fatalf("page 2 of 1: got %s, total %d, %v; want [%s], 2", dump(list), total, err, old.ID)
	}
	list, total, err = s.ListWebhookEndpoints(ctx, org.ID, gatehouse.Page{Page: 3, Limit: 1})
	if err != nil || total != 2 || len(list) != 0 {
		t.Fatalf("page 3 of 1: got %d endpoints, total %d, %v; want none, 2", len(list), total, err)
	}

	// Update: every field, a rotation's previous secret included.
	ep.URL, ep.Name, ep.Format, ep.Enabled = "https://other.example.com/x", new("Renamed"), gatehouse.WebhookFormatDiscord, false
	ep.Events = []string{gatehouse.EventCustomerDeleted}
	ep.PreviousSecret, ep.Secret = new(ep.Secret), "whsec_"+uniq("rotated-")
	ep.PreviousSecretUntil, ep.ModifiedAt = new(at(25*time.Hour)), new(at(time.Hour))
	mustOK(t, s.UpdateWebhookEndpoint(ctx, ep), "update endpoint")
	got, err = s.WebhookEndpoint(ctx, org.ID, ep.ID)
	mustOK(t, err, "get updated endpoint")
	sameEndpoint(t, got, ep, "updated endpoint")

	// Isolation: another organization sees nothing and changes nothing.
	_, err = s.WebhookEndpoint(ctx, other.ID, ep.ID)
	wantCode(t, err, gatehouse.ENotFound, "endpoint of another organization")
	stolen := *ep
	stolen.OrganizationID, stolen.URL = other.ID, "https://evil.example.com"
	wantCode(t, s.UpdateWebhookEndpoint(ctx, &stolen), gatehouse.ENotFound, "update through another organization")
	if list, total, err := s.ListWebhookEndpoints(ctx, other.ID, gatehouse.Page{Page: 1, Limit: 10}); err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("list of another organization: got %d, total %d, %v; want none", len(list), total, err)
	}
	_, err = s.WebhookEndpoint(ctx, org.ID, "missing")
	wantCode(t, err, gatehouse.ENotFound, "missing endpoint")

	// Soft delete.
	ep.DeletedAt = new(at(2 * time.Hour))
	mustOK(t, s.UpdateWebhookEndpoint(ctx, ep), "delete endpoint")
	_, err = s.WebhookEndpoint(ctx, org.ID, ep.ID)
	wantCode(t, err, gatehouse.ENotFound, "deleted endpoint")
	wantCode(t, s.UpdateWebhookEndpoint(ctx, ep), gatehouse.ENotFound, "update a deleted endpoint")
	list, total, err = s.ListWebhookEndpoints(ctx, org.ID, gatehouse.Page{Page: 1, Limit: 10})
	if err != nil || total != 1 || len(list) != 1 || list[0].ID != old.ID {
		t.Fatalf("list after delete: got %s, total %d, %v; want [%s]", dump(list), total, err, old.ID)
	}
}

// testWebhookSecretsSealed reads every column of every endpoint row and
// looks for the secrets in them.
func testWebhookSecretsSealed(t *testing.T, e *whEnv) {
	org := mustOrg(t, e.s)
	ep := newEndpoint(org, T0, gatehouse.EventCustomerCreated)
	ep.Secret = "whsec_" + uniq("plaintextsecret")
	mustOK(t, e.s.CreateWebhookEndpoint(ctx, ep), "create endpoint")
	ep.PreviousSecret, ep.Secret, ep.PreviousSecretUntil = new(ep.Secret), "whsec_"+uniq("plaintextrotated"), new(at(time.Hour))
	mustOK(t, e.s.UpdateWebhookEndpoint(ctx, ep), "rotate secret")
	rows, err := e.db.QueryContext(ctx, `SELECT * FROM webhook_endpoints`)
	mustOK(t, err, "read raw endpoints")
	defer rows.Close()
	cols, err := rows.Columns()
	mustOK(t, err, "columns")
	n := 0
	for rows.Next() {
		n++
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		mustOK(t, rows.Scan(ptrs...), "scan raw endpoint")
		for i, v := range vals {
			var text string
			switch v := v.(type) {
			case []byte:
				text = string(v)
			default:
				text = fmt.Sprint(v)
			}
			for _, secret := range []string{ep.Secret, *ep.PreviousSecret, "plaintext"} {
				if strings.Contains(text, secret) {
					t.Fatalf("column %s of webhook_endpoints holds the secret %q in plaintext", cols[i], secret)
				}
			}
		}
	}
	mustOK(t, rows.Err(), "read raw endpoints")
	if n == 0 {
		t.Fatal("no webhook_endpoints rows read: the check looked at nothing")
	}
	got, err := e.s.WebhookEndpoint(ctx, org.ID, ep.ID)
	mustOK(t, err, "get endpoint")
	if got.Secret != ep.Secret || got.PreviousSecret == nil || *got.PreviousSecret != *ep.PreviousSecret {
		t.Fatalf("secrets read back: got %q, %v; want %q, %q", got.Secret, got.PreviousSecret, ep.Secret, *ep.PreviousSecret)
	}
}
