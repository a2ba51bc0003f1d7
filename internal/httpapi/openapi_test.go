package httpapi

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/openapi/openapitest"
	"github.com/gatehouse/gatehouse/internal/token"
)

// TestOpenAPIRoutes holds the route table to the document: every route is
// documented with the same parameter names, every documented operation is
// served, and each route's auth kind and scopes are the documented ones.
func TestOpenAPIRoutes(t *testing.T) {
	e := newEnv(t)
	doc := openapi.Document()
	var routes [][2]string
	for _, rt := range e.srv.Routes() {
		routes = append(routes, [2]string{rt.Method, rt.Pattern})
	}
	for _, p := range openapitest.CheckRoutes(doc, routes) {
		t.Error(p)
	}
	schemes := map[AuthKind]string{AuthNone: "", AuthOrganization: "organization_token", AuthCustomer: "customer_session"}
	for _, rt := range e.srv.Routes() {
		scheme, scopes, ok := openapitest.OperationSecurity(doc, rt.Method, rt.Pattern)
		if !ok {
			continue // reported by CheckRoutes
		}
		var have []string
		for _, sc := range rt.Scopes {
			have = append(have, string(sc))
		}
		slices.Sort(have)
		slices.Sort(scopes)
		if scheme != schemes[rt.Auth] || !slices.Equal(have, scopes) {
			t.Errorf("%s %s: route %s %v, document %q %v", rt.Method, rt.Pattern, rt.Auth, have, scheme, scopes)
		}
	}
	w := e.do("GET", "/openapi.json", "", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != string(doc) {
		t.Errorf("GET /openapi.json: %d %q, %d bytes; want the document", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
}

// TestOpenAPIResponses runs a scenario that reaches every route and most of
// its statuses, and validates every response against the schema the
// document gives for its operation and status.
func TestOpenAPIResponses(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvDSN(t, dsn(t))
			var seen []seenResponse
			e.seen = &seen
			runScenario(t, e)
			checkSeen(t, e, seen)
		})
	}
}

func checkSeen(t *testing.T, e *env, seen []seenResponse) {
	doc := openapi.Document()
	reached := map[string]bool{}
	for _, r := range seen {
		i, _ := e.srv.router.match(r.method, r.path)
		if i < 0 {
			continue
		}
		rt := e.srv.router.routes[i]
		reached[rt.Method+" "+rt.Pattern] = true
		ptr, ok := openapitest.ResponseSchema(doc, r.method, rt.Pattern, r.status)
		if !ok {
			t.Errorf("%s %s answered %d, which the document does not list (body %.200s)", r.method, r.path, r.status, r.body)
			continue
		}
		media, _ := openapitest.ResponseMediaType(doc, r.method, rt.Pattern, r.status)
		switch {
		case media == "" && len(r.body) > 0:
			t.Errorf("%s %s %d: body %.200s, documented without one", r.method, r.path, r.status, r.body)
		case ptr != "":
			if err := openapitest.Validate(ptr, r.body); err != nil {
				t.Errorf("%s %s %d does not match %s: %v\nbody: %.500s", r.method, r.path, r.status, ptr, err, r.body)
			}
		}
	}
	for _, rt := range e.srv.Routes() {
		if !reached[rt.Method+" "+rt.Pattern] {
			t.Errorf("the scenario never reached %s %s", rt.Method, rt.Pattern)
		}
	}
	t.Logf("%d responses validated", len(seen))
}

// runScenario drives every route through success and failure answers.
func runScenario(t *testing.T, e *env) {
	e.tok["noscope"] = e.mustToken(e.orgA, []gatehouse.Scope{gatehouse.ScopeCustomersRead}, nil)
	e.tok["bad"] = tamper(e.tok["A"])
	e.tok["unknown"] = token.New(token.PrefixSession)
	code := "ABC123"
	lc := &gatehouse.LoginCode{ID: gatehouse.NewID(), OrganizationID: e.orgA.ID, CustomerID: e.vars["{a1}"],
		CodeHash: e.hasher.Hash(code), Email: "jane@gmail.com", CreatedAt: e.clock.Now(), ExpiresAt: e.clock.Now().Add(time.Hour)}
	if err := e.store.CreateLoginCode(t.Context(), lc, 5); err != nil {
		t.Fatal(err)
	}
	c := e.mustCreate("A", `{"email":"scn@gmail.com","external_id":"scn","billing_address":{"country":"US","state":"CA","line1":"1 Main"},"tax_id":"91-1144442"}`)
	e.vars["{c}"] = c["id"].(string)
	s := e.mustSession("A", `{"external_customer_id":"scn","return_url":"https://e.com","expires_in":600,"metadata":{"k":"v"}}`)
	e.vars["{s}"] = s["id"].(string)
	e.tok["s"] = s["token"].(string)
	missing := gatehouse.NewID()
	steps := []struct{ method, path, tok, body string }{
		{"GET", "/healthz", "", ""}, {"GET", "/readyz", "", ""}, {"GET", "/openapi.json", "", ""},
		{"GET", "/v1/customers/?limit=2&sorting=-email", "A", ""}, {"GET", "/v1/customers/?page=0", "A", ""},
		{"GET", "/v1/customers/", "", ""}, {"GET", "/v1/customers/", "bad", ""}, {"GET", "/v1/customers/", "cst", ""},
		{"POST", "/v1/customers/", "noscope", `{}`}, {"POST", "/v1/customers/", "A", `{"email":"x"}`},
		{"POST", "/v1/customers/", "A", `{"email":"scn@gmail.com"}`},
		{"GET", "/v1/customers/export", "A", ""}, {"GET", "/v1/customers/{c}", "A", ""}, {"GET", "/v1/customers/" + missing, "A", ""},
		{"GET", "/v1/customers/nope", "A", ""}, {"PATCH", "/v1/customers/{c}", "A", `{"name":"Scn"}`},
		{"GET", "/v1/customers/{c}/state", "A", ""}, {"GET", "/v1/customers/external/scn", "A", ""},
		{"PATCH", "/v1/customers/external/scn", "A", `{"metadata":{"a":1}}`}, {"GET", "/v1/customers/external/scn/state", "A", ""},
		{"GET", "/v1/customers/external/none", "A", ""}, {"DELETE", "/v1/customers/external/none", "A", ""},
		{"POST", "/v1/customer-sessions/", "A", `{"customer_id":"{c}","expires_in":0}`},
		{"POST", "/v1/customer-sessions/", "A", `{"customer_id":"` + missing + `"}`},
		{"GET", "/v1/customer-sessions/?customer_id={c}", "Asread", ""}, {"GET", "/v1/customer-sessions/?active=x", "A", ""},
		{"GET", "/v1/customer-sessions/{s}", "A", ""}, {"GET", "/v1/customer-sessions/" + missing, "A", ""},
		{"GET", "/v1/customer-sessions/x", "A", ""}, {"DELETE", "/v1/customer-sessions/" + missing, "A", ""},
		{"GET", "/v1/customer-sessions/{s}", "Aread", ""},
		{"GET", "/v1/customer-portal/customers/me", "s", ""}, {"GET", "/v1/customer-portal/customers/me", "unknown", ""},
		{"PATCH", "/v1/customer-portal/customers/me", "s", `{"billing_name":"S"}`},
		{"PATCH", "/v1/customer-portal/customers/me", "s", `{"billing_address":null}`},
		{"GET", "/v1/customer-portal/customer-session/introspect", "s", ""},
		{"GET", "/v1/customer-portal/customer-session/user", "s", ""},
		{"GET", "/v1/customer-portal/organizations/acme", "", ""}, {"GET", "/v1/customer-portal/organizations/nope", "", ""},
		{"POST", "/v1/customer-portal/customer-session/request", "", `{"email":"jane@gmail.com","organization_id":"{orgA}"}`},
		{"POST", "/v1/customer-portal/customer-session/request", "", `{"email":"jane"}`},
		{"POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"` + code + `"}`},
		{"POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"` + code + `"}`},
		{"POST", "/v1/customer-portal/customer-session/authenticate", "", `{}`},
		{"POST", "/v1/customer-sessions/revoke", "A", `{"customer_id":"` + missing + `"}`},
		{"DELETE", "/v1/customer-sessions/{s}", "A", ""},
		{"POST", "/v1/customer-sessions/revoke", "A", `{"customer_id":"{c}"}`},
		{"DELETE", "/v1/customer-portal/customer-session", "cst", ""},
		{"DELETE", "/v1/customer-portal/customer-session", "cst", ""},
		{"DELETE", "/v1/customers/{c}", "A", ""},
	}
	for _, st := range steps {
		w := e.do(st.method, st.path, st.tok, st.body)
		if w.Code >= 500 {
			t.Errorf("%s %s: %d %s", st.method, st.path, w.Code, w.Body)
		}
	}
	for i := range 7 { // the 7th is a 429
		e.do("POST", "/v1/customer-portal/customer-session/request", "", fmt.Sprintf(`{"email":"r%d@gmail.com","organization_id":"{orgA}"}`, i))
	}
	if w := e.do("POST", "/v1/customers/", "A", `{}`, "Transfer-Encoding", "chunked"); w.Code != 411 {
		t.Errorf("chunked POST: %d, want 411", w.Code)
	}
	victim := e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	report := `[{"token":"` + victim + `","type":"gatehouse_customer_session_token","source":"content"},{"token":"x","type":"gatehouse_organization_access_token","source":"content"}]`
	e.scan(report)
	e.do("POST", secretScanPattern, "", report, hdrKeyID, "nope", hdrSignature, "AA==")
	e.do("POST", secretScanPattern, "", report, hdrKeyID, "k1", hdrSignature, "AA==")
	e.do("POST", secretScanPattern, "", report)
	e.scan(`[{"type":"nope"}]`)
	if !strings.Contains(e.do("GET", "/v1/customers/", "A", "").Body.String(), "items") {
		t.Error("scenario broke the customer list")
	}
	runWebhookScenario(t, e)
}

// runWebhookScenario drives the webhook routes through their answers.
func runWebhookScenario(t *testing.T, e *env) {
	q := &jobLog{}
	e.store.(interface{ SetWebhookQueue(gatehouse.WebhookQueue) }).SetWebhookQueue(q)
	ep := e.mustEndpoint("W", `{"url":"https://example.com/h","format":"raw","events":["customer.created","customer_session.created"]}`)
	e.vars["{ep}"] = ep["id"].(string)
	e.vars["{ev}"] = e.mustDeliveries(q, e.vars["{ep}"])
	missing := gatehouse.NewID()
	steps := []struct{ method, path, tok, body string }{
		{"GET", "/v1/webhooks/endpoints", "Wread", ""}, {"GET", "/v1/webhooks/endpoints?page=0", "W", ""},
		{"GET", "/v1/webhooks/endpoints", "", ""}, {"GET", "/v1/webhooks/endpoints", "A", ""},
		{"POST", "/v1/webhooks/endpoints", "W", `{"url":"https://localhost/","format":"raw","events":[]}`},
		{"POST", "/v1/webhooks/endpoints", "W", `{"url":"https://e.com/","format":"raw","events":[],"organization_id":"{orgA}"}`},
		{"POST", "/v1/webhooks/endpoints", "Wread", `{}`},
		{"GET", "/v1/webhooks/endpoints/{ep}", "W", ""}, {"GET", "/v1/webhooks/endpoints/" + missing, "W", ""},
		{"GET", "/v1/webhooks/endpoints/x", "W", ""},
		{"PATCH", "/v1/webhooks/endpoints/{ep}", "W", `{"name":"n","enabled":false}`},
		{"PATCH", "/v1/webhooks/endpoints/{ep}", "W", `{"url":"ftp://x"}`},
		{"PATCH", "/v1/webhooks/endpoints/" + missing, "W", `{}`},
		{"PATCH", "/v1/webhooks/endpoints/{ep}/secret", "W", ""}, {"PATCH", "/v1/webhooks/endpoints/" + missing + "/secret", "W", ""},
		{"GET", "/v1/webhooks/deliveries?succeeded=true&event_type=customer.created&http_code_class=2xx", "Wread", ""},
		{"GET", "/v1/webhooks/deliveries?start_timestamp=yesterday", "W", ""},
		{"POST", "/v1/webhooks/events/{ev}/redeliver", "W", ""}, {"POST", "/v1/webhooks/events/" + missing + "/redeliver", "W", ""},
		{"POST", "/v1/webhooks/events/x/redeliver", "W", ""},
		{"DELETE", "/v1/webhooks/endpoints/{ep}", "W", ""}, {"DELETE", "/v1/webhooks/endpoints/{ep}", "W", ""},
		{"DELETE", "/v1/webhooks/endpoints/x", "W", ""},
	}
	for _, st := range steps {
		if w := e.do(st.method, st.path, st.tok, st.body); w.Code >= 500 {
			t.Errorf("%s %s: %d %s", st.method, st.path, w.Code, w.Body)
		}
	}
}
