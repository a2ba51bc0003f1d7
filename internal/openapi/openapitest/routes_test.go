package openapitest

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/openapi"
)

// apiRoutes is every route the issues ask for, as the server registers
// them (Go ServeMux patterns, trailing slashes as in the contract).
var apiRoutes = [][2]string{
	{"GET", "/v1/customers/"}, {"POST", "/v1/customers/"},
	{"GET", "/v1/customers/export"},
	{"GET", "/v1/customers/{id}"}, {"PATCH", "/v1/customers/{id}"}, {"DELETE", "/v1/customers/{id}"},
	{"GET", "/v1/customers/{id}/state"},
	{"GET", "/v1/customers/external/{external_id}"}, {"PATCH", "/v1/customers/external/{external_id}"},
	{"DELETE", "/v1/customers/external/{external_id}"}, {"GET", "/v1/customers/external/{external_id}/state"},
	{"GET", "/v1/customer-sessions/"}, {"POST", "/v1/customer-sessions/"},
	{"GET", "/v1/customer-sessions/{id}"}, {"DELETE", "/v1/customer-sessions/{id}"},
	{"POST", "/v1/customer-sessions/revoke"},
	{"GET", "/v1/customer-portal/customers/me"}, {"PATCH", "/v1/customer-portal/customers/me"},
	{"DELETE", "/v1/customer-portal/customer-session"},
	{"GET", "/v1/customer-portal/customer-session/introspect"},
	{"GET", "/v1/customer-portal/customer-session/user"},
	{"POST", "/v1/customer-portal/customer-session/request"},
	{"POST", "/v1/customer-portal/customer-session/authenticate"},
	{"GET", "/v1/customer-portal/organizations/{slug}"},
	{"POST", "/v1/integrations/github/secret-scanning"},
	{"GET", "/readyz"}, {"GET", "/healthz"}, {"GET", "/openapi.json"},
	{"GET", "/v1/webhooks/endpoints"}, {"POST", "/v1/webhooks/endpoints"},
	{"GET", "/v1/webhooks/endpoints/{id}"}, {"PATCH", "/v1/webhooks/endpoints/{id}"}, {"DELETE", "/v1/webhooks/endpoints/{id}"},
	{"PATCH", "/v1/webhooks/endpoints/{id}/secret"}, {"GET", "/v1/webhooks/deliveries"},
	{"POST", "/v1/webhooks/events/{id}/redeliver"},
}

func TestDocumentCoversEveryRoute(t *testing.T) {
	if p := CheckRoutes(openapi.Document(), apiRoutes); len(p) != 0 {
		t.Errorf("CheckRoutes(issue routes) problems:\n%s", strings.Join(p, "\n"))
	}
	if n := len(operations(mustDoc(t))); n != len(apiRoutes) {
		t.Errorf("document has %d operations, want %d", n, len(apiRoutes))
	}
}

func TestCheckRoutesFindsProblems(t *testing.T) {
	routes := slices.Clone(apiRoutes)
	routes[0] = [2]string{"GET", "/v1/customers"}            // trailing slash dropped
	routes[3] = [2]string{"", "GET /v1/customers/{cid}"}     // method in pattern, renamed parameter
	routes[4] = [2]string{"PATCH", "/v1/customers/{id}/{$}"} // {$} is dropped, still a trailing slash
	routes = append(routes, [2]string{"PUT", "/v1/customers/{id}"}, [2]string{"", "/nope/{rest...}"})
	got := CheckRoutes(openapi.Document(), routes)
	want := []string{
		"documented GET /v1/customers/ has no route",
		"documented PATCH /v1/customers/{id} has no route",
		"route /nope/{rest} (any method) is not in the document",
		"route GET /v1/customers is not in the document",
		"route GET /v1/customers/{cid} is documented as /v1/customers/{id} (path parameter names differ)",
		"route PATCH /v1/customers/{id}/ is not in the document",
		"route PUT /v1/customers/{id} is not in the document",
	}
	if !slices.Equal(got, want) {
		t.Errorf("CheckRoutes problems:\n got %q\nwant %q", got, want)
	}
}

func TestCheckRoutesAnyMethod(t *testing.T) {
	routes := [][2]string{{"", "/v1/customers/{id}"}}
	got := CheckRoutes(openapi.Document(), routes)
	for _, p := range got {
		if strings.Contains(p, "/v1/customers/{id} has no route") {
			t.Errorf("a method-less route should cover every method of its path: %s", p)
		}
	}
	if len(got) != len(apiRoutes)-3 {
		t.Errorf("got %d problems, want %d (every other operation unrouted)", len(got), len(apiRoutes)-3)
	}
	if p := CheckRoutes([]byte("{"), nil); len(p) != 1 || !strings.Contains(p[0], "openapi document") {
		t.Errorf("broken document: got %q, want one document problem", p)
	}
}

func TestResponseSchema(t *testing.T) {
	doc := openapi.Document()
	for _, tc := range []struct {
		method, path string
		status       int
		ref, media   string
		ok           bool
	}{
		{"GET", "/v1/customers/", 200, "#/components/schemas/ListResourceCustomer", "application/json", true},
		{"POST", "/v1/customers/", 201, "#/components/schemas/Customer", "application/json", true},
		{"post", "/v1/customers/?x=1", 422, "#/components/schemas/HTTPValidationError", "application/json", true},
		{"GET", "/v1/customers/export", 200, "", "text/csv", true},
		{"GET", "/v1/customers/992fae2a-2a17-4b7a-8d9e-e287cf90131b", 404, "#/components/schemas/ResourceNotFound", "application/json", true},
		{"GET", "/v1/customers/{id}", 200, "#/components/schemas/Customer", "application/json", true},
		{"GET", "/v1/customers/external/usr%2F1/state", 200, "#/components/schemas/CustomerState", "application/json", true},
		{"DELETE", "/v1/customers/x", 204, "", "", true},
		{"GET", "/v1/customers/x", 401, "#/paths/~1v1~1customers~1{id}/get/responses/401/content/application~1json/schema", "application/json", true},
		{"POST", "/v1/customer-sessions/revoke", 200, "#/components/schemas/CustomerSessionRevokeResult", "application/json", true},
		{"GET", "/v1/customer-sessions/abc", 200, "#/components/schemas/CustomerSessionInfo", "application/json", true},
		{"POST", "/v1/customer-portal/customer-session/request", 202,
			"#/paths/~1v1~1customer-portal~1customer-session~1request/post/responses/202/content/application~1json/schema", "application/json", true},
		{"POST", "/v1/customer-portal/customer-session/request", 429, "", "", true},
		{"GET", "/v1/customers", 200, "", "", false},       // no slash: not documented
		{"GET", "/v1/customers/x", 418, "", "", false},     // status not documented
		{"PUT", "/v1/customers/x", 200, "", "", false},     // method not documented
		{"GET", "/v1/customers/x/y/z", 200, "", "", false}, // no such path
		{"GET", "/v1/customers//state", 200, "", "", false},
	} {
		ref, ok := ResponseSchema(doc, tc.method, tc.path, tc.status)
		if ref != tc.ref || ok != tc.ok {
			t.Errorf("ResponseSchema(%s %s %d) = %q, %v; want %q, %v", tc.method, tc.path, tc.status, ref, ok, tc.ref, tc.ok)
		}
		media, ok := ResponseMediaType(doc, tc.method, tc.path, tc.status)
		if media != tc.media || ok != tc.ok {
			t.Errorf("ResponseMediaType(%s %s %d) = %q, %v; want %q, %v", tc.method, tc.path, tc.status, media, ok, tc.media, tc.ok)
		}
	}
}

// TestResponseSchemaRefsValidate: the references ResponseSchema returns
// work with Validate, inline ones included.
func TestResponseSchemaRefsValidate(t *testing.T) {
	doc := openapi.Document()
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
		ok           bool
	}{
		{"POST", "/v1/customer-portal/customer-session/request", 202, `null`, true},
		{"POST", "/v1/customer-portal/customer-session/request", 202, `{}`, false},
		{"GET", "/v1/customers/x", 401, `{"error":"Unauthorized","detail":"Unauthorized"}`, true},
		{"GET", "/v1/customers/x", 401, `{"error":"invalid_token","error_description":"d","reason":"revoked"}`, true},
		{"GET", "/v1/customers/x", 401, `{"error":"Forbidden","detail":"x"}`, false},
		{"POST", "/v1/integrations/github/secret-scanning", 200, `[{"token_raw":"t","token_type":"x","label":"false_positive"}]`, true},
		{"POST", "/v1/integrations/github/secret-scanning", 200, `[{"token_raw":"t","token_type":"x","label":"maybe"}]`, false},
		{"GET", "/readyz", 503, `{"error":"ServiceUnavailable","detail":"The service is temporarily unavailable."}`, true},
	} {
		ref, found := ResponseSchema(doc, tc.method, tc.path, tc.status)
		if !found || ref == "" {
			t.Fatalf("ResponseSchema(%s %s %d) = %q, %v; want a schema", tc.method, tc.path, tc.status, ref, found)
		}
		if err := ValidateDocument(doc, ref, []byte(tc.body)); (err == nil) != tc.ok {
			t.Errorf("%s %s %d %s: got %v, want ok=%v", tc.method, tc.path, tc.status, tc.body, err, tc.ok)
		}
	}
}

func TestOperationSecurity(t *testing.T) {
	doc := openapi.Document()
	for _, tc := range []struct {
		method, pattern, scheme string
		scopes                  []string
		ok                      bool
	}{
		{"GET", "/v1/customers/", "organization_token", []string{"customers:read", "customers:write"}, true},
		{"PATCH", "/v1/customers/external/{external_id}", "organization_token", []string{"customers:write"}, true},
		{"GET", "/v1/customer-sessions/{id}", "organization_token", []string{"customer_sessions:read", "customer_sessions:write"}, true},
		{"POST", "/v1/customer-sessions/revoke", "organization_token", []string{"customer_sessions:write"}, true},
		{"GET", "/v1/customer-portal/customers/me", "customer_session", []string{"customer_portal:read", "customer_portal:write"}, true},
		{"DELETE", "/v1/customer-portal/customer-session", "customer_session", []string{"customer_portal:write"}, true},
		{"GET", "/v1/customer-portal/organizations/{slug}", "", nil, true},
		{"GET", "/readyz", "", nil, true},
		{"GET", "/v1/nope", "", nil, false},
	} {
		scheme, scopes, ok := OperationSecurity(doc, tc.method, tc.pattern)
		if scheme != tc.scheme || !slices.Equal(scopes, tc.scopes) || ok != tc.ok {
			t.Errorf("OperationSecurity(%s %s) = %q, %q, %v; want %q, %q, %v",
				tc.method, tc.pattern, scheme, scopes, ok, tc.scheme, tc.scopes, tc.ok)
		}
	}
}
