package httpapi

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/jsjson"
	"github.com/gatehouse/gatehouse/internal/openapi/openapitest"
)

// TestWebhookSessionEvents drives every session route that creates or
// revokes a session and checks the customer_session events the change
// wrote: only the endpoint listing the type gets one, its payload matches
// the OpenAPI document's schema, is written as JavaScript writes it, and
// its data is the session exactly as GET /v1/customer-sessions/{id} shows
// it after the change (never the token).
func TestWebhookSessionEvents(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testWebhookSessionEvents(t, newEnvDSN(t, dsn(t)))
		})
	}
}

func testWebhookSessionEvents(t *testing.T, e *env) {
	q := &jobLog{}
	e.store.(interface{ SetWebhookQueue(gatehouse.WebhookQueue) }).SetWebhookQueue(q)
	sessEP := e.mustEndpoint("W", `{"url":"https://example.com/s","format":"raw","events":["customer_session.created","customer_session.revoked"]}`)["id"].(string)
	e.mustEndpoint("W", `{"url":"https://example.com/c","format":"raw","events":["customer.created","customer.updated","customer.state_changed"]}`)
	e.mustEndpoint("BW", `{"url":"https://example.com/b","format":"raw","events":["customer.created"]}`)

	// events returns the events enqueued since the last call.
	seen := 0
	events := func(what string) []*gatehouse.WebhookEvent {
		t.Helper()
		q.mu.Lock()
		jobs := q.jobs[seen:]
		seen = len(q.jobs)
		q.mu.Unlock()
		var out []*gatehouse.WebhookEvent
		for _, j := range jobs {
			ev, err := e.store.WebhookEvent(t.Context(), e.orgA.ID, j.EventID)
			if err != nil {
				t.Fatalf("%s: event %s: %v", what, j.EventID, err)
			}
			out = append(out, ev)
		}
		return out
	}
	// check: one event per session id, of typ, for sessEP, as the API
	// shows the session now.
	check := func(what, typ string, ids ...string) {
		t.Helper()
		evs := events(what)
		if len(evs) != len(ids) {
			t.Fatalf("%s: got %d events, want %d (%v)", what, len(evs), len(ids), ids)
		}
		schema := "#/components/schemas/WebhookCustomerSessionCreatedPayload"
		if typ == gatehouse.EventCustomerSessionRevoked {
			schema = "#/components/schemas/WebhookCustomerSessionRevokedPayload"
		}
		for i, ev := range evs {
			if ev.Type != typ || ev.EndpointID != sessEP || ev.Payload == nil {
				t.Fatalf("%s: event %+v, want %s for endpoint %s with a payload", what, ev, typ, sessEP)
			}
			body := []byte(*ev.Payload)
			if err := openapitest.Validate(schema, body); err != nil {
				t.Errorf("%s: payload does not match %s: %v\n%s", what, schema, err, body)
			}
			if js, err := jsjson.Marshal(json.RawMessage(body)); err != nil || string(js) != string(body) {
				t.Errorf("%s: payload is not as JavaScript writes it:\n got %s\nwant %s (%v)", what, body, js, err)
			}
			var p struct {
				Type      string
				Timestamp string
				Data      map[string]any
			}
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			shown := mustJSON(t, e.do("GET", "/v1/customer-sessions/"+ids[i], "A", "").Body.Bytes())
			if p.Type != typ || !reflect.DeepEqual(p.Data, shown) {
				t.Errorf("%s: payload %s, want type %s and data %v", what, body, typ, shown)
			}
			stamp := shown["created_at"]
			if typ == gatehouse.EventCustomerSessionRevoked {
				stamp = shown["revoked_at"]
			}
			if p.Timestamp != stamp {
				t.Errorf("%s: timestamp %s, want %v", what, p.Timestamp, stamp)
			}
		}
	}

	e.clock.Add(time.Second)
	s1 := e.mustSession("A", `{"customer_id":"{a1}","metadata":{"src":"app"}}`)["id"].(string)
	check("session create", gatehouse.EventCustomerSessionCreated, s1)
	e.mustSession("B", `{"customer_id":"{b1}"}`)
	if evs := events("session create in an organization without session endpoints"); len(evs) != 0 {
		t.Fatalf("organization B: got events %+v, want none", evs)
	}

	e.clock.Add(time.Second)
	if w := e.do("DELETE", "/v1/customer-sessions/"+s1, "A", ""); w.Code != 204 {
		t.Fatalf("revoke session: %d %s", w.Code, w.Body)
	}
	check("merchant revoke", gatehouse.EventCustomerSessionRevoked, s1)
	if w := e.do("DELETE", "/v1/customer-sessions/"+s1, "A", ""); w.Code != 204 {
		t.Fatalf("revoke session again: %d %s", w.Code, w.Body)
	}
	check("second revoke of one session", gatehouse.EventCustomerSessionRevoked)

	e.clock.Add(time.Second)
	if w := e.do("DELETE", "/v1/customer-portal/customer-session", "cst", ""); w.Code != 204 {
		t.Fatalf("portal logout: %d %s", w.Code, w.Body)
	}
	check("portal logout", gatehouse.EventCustomerSessionRevoked, mustSessionID(t, e, e.tok["cst"]))

	e.clock.Add(time.Second)
	tok := e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	leaked := mustSessionID(t, e, tok)
	events("session create")
	e.clock.Add(time.Second)
	if res := e.scan(`[{"token":"` + tok + `","type":"gatehouse_customer_session_token","source":"content"}]`); res.code != 200 {
		t.Fatalf("secret-scanning report: %d %s", res.code, res.body)
	}
	check("secret scanning", gatehouse.EventCustomerSessionRevoked, leaked)

	e.clock.Add(time.Second)
	a := e.mustSession("A", `{"customer_id":"{a1}"}`)["id"].(string)
	e.clock.Add(time.Second)
	b := e.mustSession("A", `{"external_customer_id":"usr_1"}`)["id"].(string)
	check("two creates", gatehouse.EventCustomerSessionCreated, a, b)
	e.clock.Add(time.Second)
	w := e.do("POST", "/v1/customer-sessions/revoke", "A", `{"customer_id":"{a1}"}`)
	checkJSONBody(t, w.Body.Bytes(), `{"revoked":2}`)
	check("bulk revoke", gatehouse.EventCustomerSessionRevoked, a, b)
}
