package httpapi

import (
	"testing"
)

func TestPortalUpdate(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{name: "billing name null ignored", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"billing_name":null}`, status: 200,
			want: `{"billing_name":"Jane Doe"}`},
		{name: "billing name set trimmed", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"billing_name":"  Jane Ltd "}`, status: 200,
			want: `{"billing_name":"Jane Ltd","name":"Jane Doe"}`},
		{name: "billing name empty ignored", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"billing_name":""}`, status: 200,
			want: `{"billing_name":"Jane Ltd"}`},
		{name: "address null", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"billing_address":null}`, status: 422,
			want: `{"error":"PolarRequestValidationError","detail":[{"type":"missing","loc":["body","billing_address"],"msg":"Customer billing address cannot be reset to null once set.","input":null}]}`},
		{name: "tax without country", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"tax_id":"FR61954506077"}`, status: 422,
			want: `{"detail":[{"type":"missing","loc":["body","billing_address"],"msg":"Country is required to validate tax ID."}]}`},
		{name: "address and tax", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"billing_address":{"country":"FR","city":" Paris "},"tax_id":"FR 61 954 506 077"}`, status: 200,
			want: `{"billing_address":{"country":"FR","city":"Paris"},"tax_id":["FR61954506077","eu_vat"]}`},
		{name: "payment method null", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"default_payment_method_id":null}`, status: 422,
			want: `{"detail":[{"type":"missing","loc":["body","default_payment_method_id"],"msg":"Default payment method cannot be reset to null.","input":null}]}`},
		{name: "payment method unknown", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"default_payment_method_id":"` + uuidNope + `"}`, status: 422,
			want: `{"detail":[{"type":"invalid","loc":["body","default_payment_method_id"],"msg":"Payment method not found.","input":"` + uuidNope + `"}]}`},
		{name: "payment method not uuid", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"default_payment_method_id":"x"}`, status: 422,
			want: `{"error":"RequestValidationError","detail":[{"type":"uuid_parsing","loc":["body","default_payment_method_id"]}]}`},
		{name: "name and email not changeable", method: "PATCH", path: "/v1/customer-portal/customers/me", tok: "cst", body: `{"name":"X","email":"x@gmail.com","metadata":{}}`, status: 200,
			want: `{"name":"Jane Doe","email":"jane@gmail.com"}`},
		{name: "merchant sees billing name", method: "GET", path: "/v1/customers/{a1}", tok: "A", status: 200,
			want: `{"billing_name":"Jane Ltd","tax_id":["FR61954506077","eu_vat"],"metadata":{"plan":"pro","seats":3}}`},
		{name: "session still valid after update", method: "GET", path: "/v1/customer-portal/customers/me", tok: "cst", status: 200,
			want: `{"billing_name":"Jane Ltd"}`},
	})
}

func TestPortalTeamUser(t *testing.T) {
	e := newEnv(t)
	team := e.mustCreate("A", `{"type":"team","name":"Crew","owner":{"email":"boss@gmail.com"}}`)
	s := e.mustSession("A", `{"customer_id":"`+team["id"].(string)+`"}`)
	if s["customer_portal_url"] != "http://gh.test/acme/portal?customer_session_token="+s["token"].(string)+"&email=None" {
		t.Errorf("team portal URL = %v", s["customer_portal_url"])
	}
	e.tok["team"] = s["token"].(string)
	w := e.do("GET", "/v1/customer-portal/customer-session/user", "team", "")
	if w.Code != 422 {
		t.Fatalf("team user: %d %s", w.Code, w.Body)
	}
	checkJSONBody(t, w.Body.Bytes(), `{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body"],"msg":"Team customers must use member sessions. Create a customer session via the API with a member_id.","input":null}]}`)
	if w := e.do("GET", "/v1/customer-portal/customers/me", "team", ""); w.Code != 200 {
		t.Errorf("team me: %d", w.Code)
	} else {
		checkJSONBody(t, w.Body.Bytes(), `{"type":"team","email":null}`)
	}
}
