package httpapi

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// snapshot is everything org A's customer looks like through the API.
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	for _, p := range []string{"/v1/customers/?limit=100", "/v1/customers/{a1}", "/v1/customers/export"} {
		b.WriteString(e.do("GET", p, "A", "").Body.String())
	}
	b.WriteString(e.do("GET", "/v1/customer-portal/customers/me", "cst", "").Body.String())
	b.WriteString(e.do("GET", "/v1/customers/?limit=100", "B", "").Body.String())
	return b.String()
}

func TestOrganizationIsolation(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			e := newEnvDSN(t, dsn(t))
			before := e.snapshot()
			runScenarios(t, e, []scenario{
				{name: "get", method: "GET", path: "/v1/customers/{a1}", tok: "B", status: 404, want: `{"error":"ResourceNotFound"}`},
				{name: "state", method: "GET", path: "/v1/customers/{a1}/state", tok: "B", status: 404},
				{name: "patch", method: "PATCH", path: "/v1/customers/{a1}", tok: "B", body: `{"name":"pwned"}`, status: 404},
				{name: "delete", method: "DELETE", path: "/v1/customers/{a1}", tok: "B", status: 404},
				{name: "external resolves to own", method: "GET", path: "/v1/customers/external/usr_1", tok: "B", status: 200, want: `{"id":"{b1}","organization_id":"{orgB}"}`},
				{name: "list", method: "GET", path: "/v1/customers/?query=jane", tok: "B", status: 200, want: `{"items":[],"pagination":{"total_count":0,"max_page":0}}`},
				{name: "list email", method: "GET", path: "/v1/customers/?email=jane@gmail.com", tok: "B", status: 200, want: `{"items":[]}`},
				{name: "list other org filter", method: "GET", path: "/v1/customers/?organization_id={orgA}", tok: "B", status: 200, want: `{"items":[],"pagination":{"total_count":0}}`},
				{name: "session by id", method: "POST", path: "/v1/customer-sessions/", tok: "B", body: `{"customer_id":"{a1}"}`, status: 422,
					want: `{"detail":[{"msg":"Customer does not exist.","loc":["body","customer_id"]}]}`},
				{name: "create same email in B is fine", method: "POST", path: "/v1/customers/", tok: "B", body: `{"email":"jane@gmail.com"}`, status: 201, want: `{"organization_id":"{orgB}"}`},
			})
			if w := e.do("GET", "/v1/customers/export", "B", ""); strings.Contains(w.Body.String(), e.vars["{a1}"]) {
				t.Errorf("org B's export contains org A's customer")
			}
			after := e.snapshot()
			// Only B's list may differ (its new customer).
			if i := strings.LastIndex(before, `{"items"`); before[:i] != after[:strings.LastIndex(after, `{"items"`)] {
				t.Errorf("org A's data changed:\nbefore %s\nafter  %s", before[:i], after)
			}
		})
	}
}

// TestBadInputChangesNothing sends hostile input to every writing endpoint
// and checks each gets a 4xx and org A's data is unchanged.
func TestBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	before := e.snapshot()
	universal := []string{
		`{"name":`, `{"name":"x"}}`, `[]`, `"str"`, `42`, `null`, "",
		strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100),
		"{\"name\":\"\xff\xfe\"}", "\xef\xbb\xbf{}",
	}
	meta := []string{
		`{"metadata":{"k\u0000":"v"}}`, `{"metadata":{"k":"v\u0000"}}`,
		`{"metadata":{` + metaKeys(51) + `}}`,
		`{"metadata":{"` + strings.Repeat("k", 41) + `":"v"}}`,
		`{"metadata":{"k":"` + strings.Repeat("v", 501) + `"}}`,
		`{"metadata":{"k":"x","j":[1],"i":{"x":1}}}`, `{"metadata":"x"}`,
		`{"name":"a\u0000b"}`, `{"email":"' OR 1=1; DROP TABLE customers;--"}`,
		`{"email":5,"name":[],"billing_address":"x","tax_id":{},"locale":1,"external_id":false}`,
		`{"billing_address":{"country":"KP"}}`, `{"billing_address":{"country":"US","state":"ZZ"}}`,
		`{"billing_address":{"line1":"x"}}`, `{"locale":"und"}`, `{"locale":"x-klingon"}`,
	}
	// The external-ID variant ignores type and external_id.
	patchExt := append([]string{`{"billing_address":null}`, `{"tax_id":"garbage","billing_address":{"country":"FR"}}`, `{"email":"bob@"}`}, meta...)
	patch := append([]string{`{"type":"robot"}`, `{"external_id":"changed"}`, `{"external_id":null}`}, patchExt...)
	targets := []struct {
		method, path, tok string
		bad               []string
	}{
		{"POST", "/v1/customers/", "A", append([]string{`{}`, `{"email":"x@gmail.com","organization_id":"nope"}`, `{"type":"robot","email":"r@gmail.com"}`}, meta...)},
		{"PATCH", "/v1/customers/{a1}", "A", patch},
		{"PATCH", "/v1/customers/external/usr_1", "A", patchExt},
		{"PATCH", "/v1/customer-portal/customers/me", "cst", []string{`{"billing_address":null}`, `{"billing_name":"a\u0000"}`,
			`{"billing_name":5}`, `{"tax_id":"garbage","billing_address":{"country":"FR"}}`, `{"tax_id":"FR61954506077"}`,
			`{"default_payment_method_id":null}`, `{"default_payment_method_id":"` + uuidNope + `"}`, `{"default_payment_method_id":"x"}`,
			`{"default_payment_method_id":5}`, `{"billing_address":{"country":"ZZ"}}`}},
		{"POST", "/v1/customer-sessions/", "Asess", []string{`{}`, `{"customer_id":"' OR 1=1 --"}`, `{"external_customer_id":5}`,
			`{"customer_id":"{a1}","return_url":"javascript:alert(1)"}`, `{"customer_id":"{a1}","return_url":"/relative"}`,
			`{"external_customer_id":"usr_1\u0000"}`, `{"external_customer_id":"nobody"}`, `{"customer_id":"{b1}"}`,
			`{"customer_id":"{a1}","member_id":"nope"}`}},
	}
	for _, tg := range targets {
		for _, body := range append(universal, tg.bad...) {
			w := e.do(tg.method, tg.path, tg.tok, body)
			if w.Code != 422 && w.Code != 404 {
				t.Errorf("%s %s %.80q: %d %.300s, want 422", tg.method, tg.path, body, w.Code, w.Body)
			}
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("hostile input changed data:\nbefore %s\nafter  %s", before, after)
	}
	// SQL-looking strings are just data.
	c := e.mustCreate("A", `{"email":"sql@gmail.com","name":"Robert'); DROP TABLE customers;--","external_id":"1' OR '1'='1"}`)
	if got := e.mustGet(c["id"].(string)); got["name"] != "Robert'); DROP TABLE customers;--" {
		t.Errorf("name = %v", got["name"])
	}
	if w := e.do("GET", "/v1/customers/?query=%25&limit=100", "A", ""); !strings.Contains(w.Body.String(), `"total_count":0`) {
		t.Errorf("query=%% matched something (LIKE not escaped): %.200s", w.Body)
	}
	if w := e.do("GET", "/v1/customers/external/1'%20OR%20'1'='1", "A", ""); w.Code != 200 {
		t.Errorf("external id with quotes: %d", w.Code)
	}
	if w := e.do("GET", "/v1/customers/external/a%00b?email=%00&query=%ff", "A", ""); w.Code != 422 {
		t.Errorf("NUL in path and query: %d %s", w.Code, w.Body)
	}
}

func metaKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"key` + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `":1`)
	}
	return b.String()
}

// TestWebhookIsolation: another organization's endpoint and event IDs
// answer 404 on every webhook route, and its lists hold none of them.
func TestWebhookIsolation(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			e := newEnvDSN(t, dsn(t))
			q := &jobLog{}
			e.store.(interface{ SetWebhookQueue(gatehouse.WebhookQueue) }).SetWebhookQueue(q)
			ep := e.mustEndpoint("W", `{"url":"https://example.com/h","format":"raw","events":["customer.created"]}`)
			e.vars["{ep}"] = ep["id"].(string)
			e.vars["{ev}"] = e.mustDeliveries(q, e.vars["{ep}"])
			before := e.do("GET", "/v1/webhooks/endpoints/{ep}", "W", "").Body.String() + e.do("GET", "/v1/webhooks/deliveries", "W", "").Body.String()
			jobs := len(q.jobs)
			runScenarios(t, e, []scenario{
				{name: "get", method: "GET", path: "/v1/webhooks/endpoints/{ep}", tok: "BW", status: 404, want: `{"error":"ResourceNotFound"}`},
				{name: "patch", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}", tok: "BW", body: `{"url":"https://evil.example.com/"}`, status: 404},
				{name: "secret", method: "PATCH", path: "/v1/webhooks/endpoints/{ep}/secret", tok: "BW", status: 404},
				{name: "delete", method: "DELETE", path: "/v1/webhooks/endpoints/{ep}", tok: "BW", status: 404},
				{name: "redeliver", method: "POST", path: "/v1/webhooks/events/{ev}/redeliver", tok: "BW", status: 404},
				{name: "list", method: "GET", path: "/v1/webhooks/endpoints", tok: "BW", status: 200, want: `{"items":[],"pagination":{"total_count":0}}`},
				{name: "list other org filter", method: "GET", path: "/v1/webhooks/endpoints?organization_id={orgA}", tok: "BW", status: 200, want: `{"items":[]}`},
				{name: "deliveries", method: "GET", path: "/v1/webhooks/deliveries", tok: "BW", status: 200, want: `{"items":[],"pagination":{"total_count":0}}`},
				{name: "deliveries by endpoint", method: "GET", path: "/v1/webhooks/deliveries?endpoint_id={ep}&query={ev}", tok: "BW", status: 200, want: `{"items":[]}`},
			})
			after := e.do("GET", "/v1/webhooks/endpoints/{ep}", "W", "").Body.String() + e.do("GET", "/v1/webhooks/deliveries", "W", "").Body.String()
			if after != before || len(q.jobs) != jobs {
				t.Errorf("org B changed org A's webhooks:\nbefore %s\nafter  %s (jobs %d -> %d)", before, after, jobs, len(q.jobs))
			}
		})
	}
}
