package httpapi

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// jobLog is a WebhookQueue that keeps the jobs the store enqueues, so a
// test can find the events a change wrote (the job engine itself is the
// sender's, tested there).
type jobLog struct {
	mu   sync.Mutex
	jobs []gatehouse.WebhookJob
}

func (q *jobLog) EnqueueTx(_ context.Context, _ any, jobs []gatehouse.WebhookJob) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, jobs...)
	return nil
}

func (q *jobLog) last() gatehouse.WebhookJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.jobs[len(q.jobs)-1]
}

// mustEndpoint creates an endpoint of org A through the API.
func (e *env) mustEndpoint(tok, body string) map[string]any {
	e.t.Helper()
	w := e.do("POST", "/v1/webhooks/endpoints", tok, body)
	if w.Code != 201 {
		e.t.Fatalf("create webhook endpoint %s: got %d %s, want 201", body, w.Code, w.Body)
	}
	return mustJSON(e.t, w.Body.Bytes())
}

const whMsgPrivate = "Value error, Webhook URLs cannot point to localhost or private IP addresses."

func TestWebhookEndpoints(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvDSN(t, dsn(t))
			ep := e.mustEndpoint("W", `{"url":"  https://Example.com ","format":"raw","events":["customer.created","order.created"],"name":"main"}`)
			e.vars["{ep}"] = ep["id"].(string)
			if s, _ := ep["secret"].(string); !strings.HasPrefix(s, "whsec_") || len(s) != len("whsec_")+44 {
				t.Errorf("secret = %q, want whsec_ + base64 of 32 bytes", s)
			}
			e.clock.Add(time.Second)
			ep2 := e.mustEndpoint("W", `{"url":"https://hooks.example.com/b","format":"slack","events":[],"secret":"`+strings.Repeat("s", 32)+`"}`)
			e.vars["{ep2}"] = ep2["id"].(string)
			runScenarios(t, e, []scenario{
				{name: "created", method: "GET", path: "/v1/webhooks/endpoints/{ep}", tok: "Wread", status: 200,
					want: `{"id":"{ep}","url":"https://example.com/","name":"main","format":"raw","organization_id":"{orgA}",
						"events":["customer.created","order.created"],"enabled":true,"modified_at":null}`},
				{name: "deprecated secret kept", method: "GET", path: "/v1/webhooks/endpoints/{ep2}", tok: "W", status: 200,
					want: `{"secret":"` + strings.Repeat("s", 32) + `","name":null,"events":[]}`},
				{name: "list newest first", method: "GET", path: "/v1/webhooks/endpoints", tok: "Wread", status: 200,
					want: `{"items":[{"id":"{ep2}"},{"id":"{ep}"}],"pagination":{"total_count":2,"max_page":1}}`},
				{name: "list page", method: "GET", path: "/v1/webhooks/endpoints?limit=1&page=2", tok: "W", status: 200,
					want: `{"items":[{"id":"{ep}"}],"pagination":{"total_count":2,"max_page":2}}`},
				{name: "list other org filter", method: "GET", path: "/v1/webhooks/endpoints?organization_id={orgB}", tok: "W", status: 200,
					want: `{"items":[],"pagination":{"total_count":0,"max_page":0}}`},
				{name: "list bad limit", method: "GET", path: "/v1/webhooks/endpoints?limit=0", tok: "W", status: 422,
					want: `{"error":"RequestValidationError","detail":[{"loc":["query","limit"],"type":"greater_than"}]}`},
				{name: "trailing slash redirects", method: "GET", path: "/v1/webhooks/endpoints/", tok: "W", status: 307},
				{name: "read scope cannot write", method: "POST", path: "/v1/webhooks/endpoints", tok: "Wread",
					body: `{"url":"https://example.com","format":"raw","events":[]}`, status: 403},
				{name: "customer scopes are not enough", method: "GET", path: "/v1/webhooks/endpoints", tok: "A", status: 403},
				{name: "organization_id refused", method: "POST", path: "/v1/webhooks/endpoints", tok: "W",
					body: `{"url":"https://example.com","format":"raw","events":[],"organization_id":"{orgA}"}`, status: 422,
					want: `{"error":"PolarRequestValidationError","detail":[{"type":"organization_token","loc":["body","organization_id"],"msg":"Setting organization_id is disallowed when using an organization token."}]}`},
				{name: "missing fields", method: "POST", path: "/v1/webhooks/endpoints", tok: "W", body: `{}`, status: 422,
					want: `{"detail":[{"type":"missing","loc":["body","url"]},{"type":"missing","loc":["body","format"]},{"type":"missing","loc":["body","events"]}]}`},
				{name: "wrong types", method: "POST", path: "/v1/webhooks/endpoints", tok: "W",
					body: `{"url":5,"format":true,"events":"customer.created","name":1}`, status: 422,
					want: `{"error":"RequestValidationError","detail":[{"type":"url_type","loc":["body","url"],"input":5},{"type":"string_type","loc":["body","name"]},{"type":"enum","loc":["body","format"]},{"type":"list_type","loc":["body","events"]}]}`},
				{name: "bad values at once", method: "POST", path: "/v1/webhooks/endpoints", tok: "W",
					body: `{"url":"http://example.com","format":"json","events":["customer.created","nope",3],"secret":"short"}`, status: 422,
					want: `{"error":"RequestValidationError","detail":[{"type":"enum","loc":["body","events",2]}]}`},
				{name: "bad values", method: "POST", path: "/v1/webhooks/endpoints", tok: "W",
					body: `{"url":"http://example.com","format":"json","events":["customer.created","nope"],"secret":"short"}`, status: 422,
					want: `{"error":"RequestValidationError","detail":[{"type":"url_scheme","loc":["body","url"],"msg":"URL scheme should be 'https'"},
						{"type":"enum","loc":["body","format"],"msg":"Input should be 'raw', 'discord' or 'slack'","input":"json"},
						{"type":"enum","loc":["body","events",1],"input":"nope"},{"type":"string_too_short","loc":["body","secret"],"ctx":{"min_length":32}}]}`},
				{name: "localhost", method: "POST", path: "/v1/webhooks/endpoints", tok: "W",
					body: `{"url":"https://localhost:8443/h","format":"raw","events":[]}`, status: 422,
					want: `{"detail":[{"type":"value_error","loc":["body","url"],"msg":"` + whMsgPrivate + `"}]}`},
				{name: "metadata address", method: "POST", path: "/v1/webhooks/endpoints", tok: "W",
					body: `{"url":"https://169.254.169.254/latest/meta-data","format":"raw","events":[]}`, status: 422,
					want: `{"detail":[{"msg":"` + whMsgPrivate + `"}]}`},
				{name: "get not uuid", method: "GET", path: "/v1/webhooks/endpoints/nope", tok: "W", status: 422,
					want: `{"detail":[{"type":"uuid_parsing","loc":["path","id"]}]}`},
				{name: "get unknown", method: "GET", path: "/v1/webhooks/endpoints/" + uuidNope, tok: "W", status: 404,
					want: `{"error":"ResourceNotFound"}`},
				{name: "patch null is unchanged", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W",
					body: `{"url":null,"name":"renamed","format":null,"events":null,"enabled":null}`, status: 200,
					want: `{"url":"https://example.com/","name":"renamed","format":"raw","events":["customer.created","order.created"],"enabled":true}`},
				{name: "patch fields", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W",
					body: `{"url":"https://b.example.com/x","format":"discord","events":["customer.updated"],"enabled":false}`, status: 200,
					want: `{"url":"https://b.example.com/x","name":"renamed","format":"discord","events":["customer.updated"],"enabled":false}`},
				{name: "patch private url", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W", body: `{"url":"https://[::1]/"}`, status: 422,
					want: `{"detail":[{"loc":["body","url"],"msg":"` + whMsgPrivate + `"}]}`},
				{name: "patch bad path and body", method: "PATCH", path: "/v1/webhooks/endpoints/nope", tok: "W", body: `{"enabled":"maybe"}`, status: 422,
					want: `{"detail":[{"loc":["path","id"]},{"type":"bool_type","loc":["body","enabled"]}]}`},
				{name: "patch unknown", method: "PATCH", path: "/v1/webhooks/endpoints/" + uuidNope, tok: "W", body: `{"enabled":true}`, status: 404},
				{name: "patch needs write", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "Wread", body: `{}`, status: 403},
				{name: "re-enable", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W", body: `{"enabled":true}`, status: 200,
					want: `{"enabled":true}`},
			})
			got := mustJSON(t, e.do("GET", "/v1/webhooks/endpoints/{ep}", "W", "").Body.Bytes())
			if got["modified_at"] == nil {
				t.Errorf("modified_at after a patch is null")
			}

			// A secret reset keeps the old secret signing for the overlap.
			old := got["secret"].(string)
			w := e.do("PATCH", "/v1/webhooks/endpoints/{ep}/secret", "W", "")
			rot := mustJSON(t, w.Body.Bytes())
			if w.Code != 200 || rot["secret"] == old || !strings.HasPrefix(rot["secret"].(string), "whsec_") {
				t.Fatalf("reset secret: %d %s (old %s)", w.Code, w.Body, old)
			}
			st, err := e.store.WebhookEndpoint(t.Context(), e.orgA.ID, e.vars["{ep}"])
			if err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			if s := st.SigningSecrets(now); len(s) != 2 || s[0] != rot["secret"] || s[1] != old {
				t.Errorf("signing secrets after reset = %v, want [new old]", s)
			}
			if s := st.SigningSecrets(now.Add(gatehouse.WebhookSecretOverlap)); len(s) != 1 {
				t.Errorf("signing secrets after the overlap = %v, want the new one only", s)
			}

			runScenarios(t, e, []scenario{
				{name: "reset unknown", method: "PATCH", path: "/v1/webhooks/endpoints/" + uuidNope + "/secret", tok: "W", status: 404},
				{name: "delete", method: "DELETE", path: "/v1/webhooks/endpoints/{ep}", tok: "W", status: 204},
				{name: "deleted is gone", method: "GET", path: "/v1/webhooks/endpoints/{ep}", tok: "W", status: 404},
				{name: "delete twice", method: "DELETE", path: "/v1/webhooks/endpoints/{ep}", tok: "W", status: 404},
				{name: "patch deleted", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W", body: `{"name":"x"}`, status: 404},
				{name: "list without deleted", method: "GET", path: "/v1/webhooks/endpoints", tok: "W", status: 200,
					want: `{"items":[{"id":"{ep2}"}],"pagination":{"total_count":1}}`},
			})
		})
	}
}

// TestWebhookReenableInvalidURL: an endpoint made while private URLs were
// allowed cannot be re-enabled once they are not, unless the same update
// gives a new URL.
func TestWebhookReenableInvalidURL(t *testing.T) {
	e := newEnv(t)
	strict := e.srv
	e.srv = e.newServer(func(c *Config) { c.Webhooks = webhooks.NewEndpoints(e.store, e.clock.Now, true) })
	ep := e.mustEndpoint("W", `{"url":"http://10.0.0.7:8080/hook","format":"raw","events":["customer.created"]}`)
	e.vars["{ep}"] = ep["id"].(string)
	if w := e.do("PATCH", "/v1/webhooks/endpoints/{ep}", "W", `{"enabled":false}`); w.Code != 200 {
		t.Fatalf("disable: %d %s", w.Code, w.Body)
	}
	e.srv = strict
	runScenarios(t, e, []scenario{
		{name: "re-enable refused", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W", body: `{"enabled":true,"name":"n"}`, status: 422,
			want: `{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","enabled"],"msg":"Cannot enable a webhook endpoint with an invalid URL. Please update the URL first.","input":true}]}`},
		{name: "unchanged", method: "GET", path: "/v1/webhooks/endpoints/{ep}", tok: "W", status: 200, want: `{"enabled":false,"name":null}`},
		{name: "other changes pass", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W", body: `{"name":"n"}`, status: 200, want: `{"enabled":false,"name":"n"}`},
		{name: "with a new URL", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "W", body: `{"enabled":true,"url":"https://example.com/h"}`, status: 200,
			want: `{"enabled":true,"url":"https://example.com/h"}`},
	})
}

// mustDeliveries writes an event for a new customer of org A through the
// store and two deliveries of it (a 500, then a 200), and returns the
// event's ID.
func (e *env) mustDeliveries(q *jobLog, endpointID string) string {
	e.t.Helper()
	ctx := context.Background()
	c := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: e.orgA.ID, Type: gatehouse.CustomerIndividual,
		CreatedAt: e.clock.Now(), Metadata: gatehouse.Metadata{}}
	ev := gatehouse.Event{Type: gatehouse.EventCustomerCreated, OrganizationID: e.orgA.ID, CustomerID: c.ID,
		Timestamp: e.clock.Now(), Payload: []byte(`{"type":"customer.created","timestamp":"t","data":{}}`)}
	if err := e.store.CreateCustomer(ctx, c, ev); err != nil {
		e.t.Fatalf("CreateCustomer with an event: %v", err)
	}
	id := q.last().EventID
	for i, code := range []int{500, 200} {
		a, err := e.store.BeginWebhookAttempt(ctx, id, false, gatehouse.WebhookClaim{})
		if err != nil || a == nil || a.Endpoint.ID != endpointID {
			e.t.Fatalf("BeginWebhookAttempt(%s) = %+v, %v", id, a, err)
		}
		resp := []string{"boom", "ok"}[i]
		d := &gatehouse.WebhookDelivery{EventID: id, CreatedAt: e.clock.Now(), Succeeded: code == 200, HTTPCode: &code, Response: &resp}
		if _, err := e.store.FinishWebhookAttempt(ctx, d, code == 200); err != nil {
			e.t.Fatalf("FinishWebhookAttempt: %v", err)
		}
		e.clock.Add(time.Second)
	}
	return id
}

func TestWebhookDeliveries(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvDSN(t, dsn(t))
			q := &jobLog{}
			e.store.(interface{ SetWebhookQueue(gatehouse.WebhookQueue) }).SetWebhookQueue(q)
			ep := e.mustEndpoint("W", `{"url":"https://example.com/h","format":"raw","events":["customer.created"]}`)
			e.vars["{ep}"] = ep["id"].(string)
			e.vars["{ev}"] = e.mustDeliveries(q, e.vars["{ep}"])
			before := e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
			runScenarios(t, e, []scenario{
				{name: "list", method: "GET", path: "/v1/webhooks/deliveries", tok: "Wread", status: 200,
					want: `{"items":[{"succeeded":true,"http_code":200,"response":"ok","webhook_event":{"id":"{ev}","type":"customer.created","succeeded":true,"skipped":false,"is_archived":false,"last_http_code":200,
						"payload":"{\"type\":\"customer.created\",\"timestamp\":\"t\",\"data\":{}}"}},
						{"succeeded":false,"http_code":500,"response":"boom","webhook_event":{"id":"{ev}"}}],"pagination":{"total_count":2,"max_page":1}}`},
				{name: "by endpoint", method: "GET", path: "/v1/webhooks/deliveries?endpoint_id={ep}&endpoint_id=" + uuidNope, tok: "W", status: 200,
					want: `{"pagination":{"total_count":2}}`},
				{name: "other endpoint", method: "GET", path: "/v1/webhooks/deliveries?endpoint_id=" + uuidNope, tok: "W", status: 200,
					want: `{"items":[],"pagination":{"total_count":0,"max_page":0}}`},
				{name: "failed", method: "GET", path: "/v1/webhooks/deliveries?succeeded=false", tok: "W", status: 200,
					want: `{"items":[{"http_code":500}],"pagination":{"total_count":1}}`},
				{name: "5xx", method: "GET", path: "/v1/webhooks/deliveries?http_code_class=5xx", tok: "W", status: 200,
					want: `{"items":[{"http_code":500}]}`},
				{name: "event type", method: "GET", path: "/v1/webhooks/deliveries?event_type=customer.updated&event_type=order.paid", tok: "W", status: 200,
					want: `{"items":[]}`},
				{name: "event type match", method: "GET", path: "/v1/webhooks/deliveries?event_type=customer.created", tok: "W", status: 200,
					want: `{"pagination":{"total_count":2}}`},
				{name: "query event id", method: "GET", path: "/v1/webhooks/deliveries?query={ev}", tok: "W", status: 200,
					want: `{"pagination":{"total_count":2}}`},
				{name: "window", method: "GET", path: "/v1/webhooks/deliveries?start_timestamp=" + before + "&end_timestamp=2100-01-01T00:00:00%2B02:00", tok: "W", status: 200,
					want: `{"pagination":{"total_count":2}}`},
				{name: "future", method: "GET", path: "/v1/webhooks/deliveries?start_timestamp=2100-01-01T00:00:00Z", tok: "W", status: 200,
					want: `{"items":[]}`},
				{name: "bad filters", method: "GET", path: "/v1/webhooks/deliveries?endpoint_id=x&start_timestamp=2026-01-01T00:00:00&end_timestamp=soon&succeeded=maybe&http_code_class=6xx&event_type=nope&page=0", tok: "W", status: 422,
					want: `{"error":"RequestValidationError","detail":[{"type":"uuid_parsing","loc":["query","endpoint_id",0]},{"type":"timezone_aware","loc":["query","start_timestamp"]},
						{"loc":["query","end_timestamp"]},{"type":"bool_parsing"},{"type":"literal_error","loc":["query","http_code_class"]},{"type":"enum","loc":["query","event_type",0]},{"type":"greater_than"}]}`},
				{name: "redeliver", method: "POST", path: "/v1/webhooks/events/{ev}/redeliver", tok: "W", status: 202},
				{name: "redeliver needs write", method: "POST", path: "/v1/webhooks/events/{ev}/redeliver", tok: "Wread", status: 403},
				{name: "redeliver unknown", method: "POST", path: "/v1/webhooks/events/" + uuidNope + "/redeliver", tok: "W", status: 404},
				{name: "redeliver not uuid", method: "POST", path: "/v1/webhooks/events/x/redeliver", tok: "W", status: 422},
			})
			if j := q.last(); j.EventID != e.vars["{ev}"] || !j.Redeliver {
				t.Errorf("after redeliver the last job is %+v, want a redelivery of %s", j, e.vars["{ev}"])
			}
			if w := e.do("POST", "/v1/webhooks/events/{ev}/redeliver", "W", ""); w.Body.String() != "null" || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("redeliver: body %q, type %q; want JSON null (the SDKs parse the 202 as JSON)", w.Body, w.Header().Get("Content-Type"))
			}
			// Archived: its payload is gone and it cannot be sent again.
			if _, err := e.store.ArchiveWebhookEvents(t.Context(), e.clock.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			runScenarios(t, e, []scenario{
				{name: "archived", method: "GET", path: "/v1/webhooks/deliveries?limit=1", tok: "W", status: 200,
					want: `{"items":[{"webhook_event":{"payload":null,"is_archived":true}}]}`},
				{name: "redeliver archived", method: "POST", path: "/v1/webhooks/events/{ev}/redeliver", tok: "W", status: 422,
					want: `{"error":"PolarRequestValidationError","detail":[{"loc":["path","id"],"input":"{ev}"}]}`},
			})
		})
	}
}
