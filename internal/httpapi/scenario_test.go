package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// scenario is one request and what the contract says it answers.
type scenario struct {
	name   string
	method string
	path   string
	tok    string // fixture token name, "raw:<Authorization value>" or ""
	body   string
	hdr    []string
	status int
	want   string            // JSON the body must contain ("" = not checked)
	header map[string]string // exact response headers
}

const (
	invalidTokenWWW = `Bearer realm="polar", error="invalid_token", error_description="The access token provided is expired, revoked, malformed, or invalid for other reasons."`
	unauthorizedWWW = `Bearer realm="polar"`
	uuidNope        = "6f1c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
)

// appendixScenarios are the contract's quick conformance checks, plus the
// other read-only conventions.
var appendixScenarios = []scenario{
	{name: "list no auth", method: "GET", path: "/v1/customers/", status: 401,
		want:   `{"error":"Unauthorized","detail":"Unauthorized"}`,
		header: map[string]string{"WWW-Authenticate": unauthorizedWWW, "Polar-Version": "2026-04"}},
	{name: "list foreign prefix", method: "GET", path: "/v1/customers/", tok: "raw:Bearer polar_oat_nope", status: 401,
		want:   `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed, or invalid for other reasons.","reason":"malformed"}`,
		header: map[string]string{"WWW-Authenticate": invalidTokenWWW, "Cache-Control": "no-store", "Pragma": "no-cache"}},
	{name: "list missing scope", method: "GET", path: "/v1/customers/", tok: "Asess", status: 403,
		want: `{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token."}`,
		header: map[string]string{"WWW-Authenticate": `Bearer realm="polar", scope="customers:read customers:write", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token."`,
			"Cache-Control": "no-store", "Pragma": "no-cache"}},
	{name: "list limit capped", method: "GET", path: "/v1/customers/?limit=500", tok: "A", status: 200,
		want: `{"pagination":{"total_count":1,"max_page":1}}`},
	{name: "list sorting enum", method: "GET", path: "/v1/customers/?sorting=foo", tok: "A", status: 422,
		want: `{"error":"RequestValidationError","detail":[{"type":"enum","loc":["query","sorting",0],"msg":"Input should be 'created_at', '-created_at', 'email', '-email', 'name' or '-name'","input":"foo","ctx":{"expected":"'created_at', '-created_at', 'email', '-email', 'name' or '-name'"}}]}`},
	{name: "list page 0", method: "GET", path: "/v1/customers/?page=0", tok: "A", status: 422,
		want: `{"detail":[{"type":"greater_than","loc":["query","page"],"input":"0","ctx":{"gt":0}}]}`},
	{name: "get not uuid", method: "GET", path: "/v1/customers/not-a-uuid", tok: "A", status: 422,
		want: `{"error":"RequestValidationError","detail":[{"type":"uuid_parsing","loc":["path","id"]}]}`},
	{name: "get unknown", method: "GET", path: "/v1/customers/" + uuidNope, tok: "A", status: 404,
		want: `{"error":"ResourceNotFound","detail":"Not found"}`},
	{name: "get", method: "GET", path: "/v1/customers/{a1}", tok: "Aread", status: 200,
		want: `{"id":"{a1}","email":"jane@gmail.com","type":"individual","billing_name":"Jane Doe","metadata":{"plan":"pro","seats":3},"deleted_at":null,"modified_at":null,"first_user_event_at":null,"default_payment_method_id":null,"locale":null,"tax_id":null,"billing_address":null,"organization_id":"{orgA}"}`},
	{name: "get external", method: "GET", path: "/v1/customers/external/usr_1", tok: "A", status: 200, want: `{"id":"{a1}"}`},
	{name: "state", method: "GET", path: "/v1/customers/{a1}/state", tok: "A", status: 200,
		want: `{"id":"{a1}","active_subscriptions":[],"granted_benefits":[],"active_meters":[]}`},
	{name: "state external", method: "GET", path: "/v1/customers/external/usr_1/state", tok: "A", status: 200, want: `{"id":"{a1}","active_meters":[]}`},
	{name: "create with organization_id", method: "POST", path: "/v1/customers/", tok: "A",
		body: `{"email":"a@gmail.com","organization_id":"{orgA}"}`, status: 422,
		want: `{"error":"PolarRequestValidationError","detail":[{"type":"organization_token","loc":["body","organization_id"],"msg":"Setting organization_id is disallowed when using an organization token.","input":"{orgA}"}]}`},
	{name: "create duplicate email", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"Jane@GMAIL.com"}`, status: 422,
		want: `{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","email"],"msg":"A customer with this email address already exists."}]}`},
	{name: "create empty", method: "POST", path: "/v1/customers/", tok: "A", body: `{}`, status: 422,
		want: `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","individual","email"],"msg":"Field required","input":{}}]}`},
	{name: "patch billing_address null", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"billing_address":null}`, status: 422,
		want: `{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","billing_address"],"msg":"Customer billing address cannot be reset to null once set.","input":null}]}`},
	{name: "session unknown customer", method: "POST", path: "/v1/customer-sessions/", tok: "A", body: `{"customer_id":"` + uuidNope + `"}`, status: 422,
		want: `{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","customer_id"],"msg":"Customer does not exist.","input":"` + uuidNope + `"}]}`},
	{name: "portal me", method: "GET", path: "/v1/customer-portal/customers/me", tok: "cst", status: 200,
		want: `{"id":"{a1}","email":"jane@gmail.com","oauth_accounts":{},"type":"individual","billing_name":"Jane Doe","default_payment_method_id":null}`},
	{name: "portal me with OAT", method: "GET", path: "/v1/customer-portal/customers/me", tok: "A", status: 401,
		want: `{"error":"Unauthorized","detail":"Unauthorized"}`, header: map[string]string{"WWW-Authenticate": unauthorizedWWW}},
	{name: "customers with session", method: "GET", path: "/v1/customers/", tok: "cst", status: 401, want: `{"error":"Unauthorized"}`},
	{name: "introspect", method: "GET", path: "/v1/customer-portal/customer-session/introspect", tok: "cst", status: 200,
		want: `{"expires_at":"2026-08-22T11:00:00.123456Z","return_url":"https://e.com/"}`},
	{name: "portal user", method: "GET", path: "/v1/customer-portal/customer-session/user", tok: "cst", status: 200,
		want: `{"type":"customer","name":"Jane Doe","email":"jane@gmail.com","customer_id":"{a1}","member_id":null,"role":null}`},
	{name: "org by slug", method: "GET", path: "/v1/customer-portal/organizations/acme", status: 200,
		want: `{"organization":{"id":"{orgA}","name":"Acme","slug":"acme","avatar_url":null,"modified_at":null,"proration_behavior":"prorate","allow_customer_updates":true,"customer_portal_settings":{"usage":{"show":true},"subscription":{"update_seats":true,"update_plan":true},"customer":{"allow_email_change":false}},"organization_features":{"member_model_enabled":false,"checkout_localization_enabled":false}},"products":[]}`},
	{name: "org by slug unknown", method: "GET", path: "/v1/customer-portal/organizations/nope", status: 404, want: `{"error":"ResourceNotFound","detail":"Not found"}`},
	{name: "org by slug bad bearer", method: "GET", path: "/v1/customer-portal/organizations/acme", tok: "raw:Bearer gatehouse_cst_x", status: 401, want: `{"error":"invalid_token"}`},
	{name: "bad version", method: "GET", path: "/v1/customers/", tok: "A", hdr: []string{"Polar-Version", "1999-01"}, status: 404,
		want: `{"detail":"Not Found"}`, header: map[string]string{"Polar-Version": ""}},
	{name: "sdk version", method: "GET", path: "/v1/customers/", tok: "A", hdr: []string{"Polar-Version", "2027-01"}, status: 200,
		header: map[string]string{"Polar-Version": "2027-01", "Cache-Control": "private, no-store", "Content-Type": "application/json"}},
	{name: "chunked create", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"x@gmail.com"}`, hdr: []string{"Transfer-Encoding", "chunked"}, status: 411,
		want: `{"error":"LengthRequired","detail":"A Content-Length header is required."}`},
	{name: "unknown path", method: "GET", path: "/v1/nope", tok: "A", status: 404, want: `{"detail":"Not Found"}`, header: map[string]string{"Polar-Version": "2026-04"}},
	{name: "wrong method", method: "PUT", path: "/v1/customers/{a1}", tok: "A", body: `{}`, status: 405,
		want: `{"detail":"Method Not Allowed"}`, header: map[string]string{"Allow": "GET, PATCH, DELETE"}},
	{name: "slash redirect", method: "GET", path: "/v1/customers?limit=5", tok: "A", status: 307, header: map[string]string{"Location": "/v1/customers/?limit=5"}},
	{name: "slash redirect back", method: "GET", path: "/v1/customer-portal/customers/me/", tok: "cst", status: 307, header: map[string]string{"Location": "/v1/customer-portal/customers/me"}},
	{name: "api prefix", method: "GET", path: "/api/v1/customers/{a1}", tok: "A", status: 200, want: `{"id":"{a1}"}`},
	{name: "export", method: "GET", path: "/v1/customers/export", tok: "Aread", status: 200,
		header: map[string]string{"Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="polar-customers.csv"`}},
	{name: "healthz", method: "GET", path: "/healthz", status: 200, want: `{"status":"ok"}`},
	{name: "readyz", method: "GET", path: "/readyz", status: 200, want: `{"status":"ok"}`},
}

func runScenarios(t *testing.T, e *env, scs []scenario) {
	t.Helper()
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			w := e.do(sc.method, sc.path, sc.tok, sc.body, sc.hdr...)
			if w.Code != sc.status {
				t.Fatalf("%s %s: status %d, want %d; body %s", sc.method, sc.path, w.Code, sc.status, w.Body)
			}
			if sc.want != "" {
				checkJSONBody(t, w.Body.Bytes(), e.expand(sc.want))
			}
			for k, v := range sc.header {
				if got := w.Header().Get(k); got != e.expand(v) {
					t.Errorf("%s %s: header %s = %q, want %q", sc.method, sc.path, k, got, v)
				}
			}
			if w.Code >= 500 {
				t.Errorf("5xx: %s", w.Body)
			}
		})
	}
}

func TestAppendix(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			e := newEnvDSN(t, dsn(t))
			runScenarios(t, e, appendixScenarios)
		})
	}
}

func TestExportCSV(t *testing.T) {
	e := newEnv(t)
	w := e.do("GET", "/v1/customers/export", "A", "")
	lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
	if len(lines) != 2 || strings.TrimSpace(lines[0]) != strings.Join(exportHeader, ",") {
		t.Fatalf("export: got %q, want header + 1 row", w.Body)
	}
	if !strings.HasPrefix(lines[1], e.vars["{a1}"]+",usr_1,2026-08-22T10:00:00.123456Z,jane@gmail.com,Jane Doe,") {
		t.Errorf("export row = %q", lines[1])
	}
	if w := e.do("GET", "/v1/customers/export?organization_id={orgB}", "A", ""); strings.Count(w.Body.String(), "\n") != 1 {
		t.Errorf("export filtered on another org: got %q, want header only", w.Body)
	}
	if w.Code != http.StatusOK {
		t.Errorf("status %d", w.Code)
	}
}
