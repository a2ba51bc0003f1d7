package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/token"
)

// TestAppendixStateful runs the appendix rows that depend on each other.
func TestAppendixStateful(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			e := newEnvDSN(t, dsn(t))
			body := `{"email":"a@gmail.com","metadata":{"k":1.5}}`
			c := e.mustCreate("A", body)
			if c["type"] != "individual" || c["email_verified"] != false || c["modified_at"] != nil {
				t.Errorf("created customer = %v", c)
			}
			w := e.do("POST", "/v1/customers/", "A", body)
			if w.Code != 422 {
				t.Fatalf("duplicate create: %d %s", w.Code, w.Body)
			}
			checkJSONBody(t, w.Body.Bytes(), `{"detail":[{"loc":["body","email"],"msg":"A customer with this email address already exists.","input":"a@gmail.com"}]}`)
			if !strings.Contains(w.Body.String(), `"metadata"`) && !strings.Contains(e.do("GET", "/v1/customers/"+c["id"].(string), "A", "").Body.String(), `"metadata":{"k":1.5}`) {
				t.Errorf("metadata float not kept as 1.5")
			}

			s := e.mustSession("A", `{"external_customer_id":"usr_1","return_url":"https://e.com"}`)
			tok := s["token"].(string)
			if _, ok := token.Parse(tok); !ok || !strings.HasPrefix(tok, token.PrefixSession) || len(tok) != len(token.PrefixSession)+43 {
				t.Errorf("session token %q is not a valid gatehouse_cst_ token", tok)
			}
			if s["expires_at"] != "2026-08-22T11:00:00.123456Z" || s["return_url"] != "https://e.com/" || s["customer_id"] != e.vars["{a1}"] {
				t.Errorf("session = %v", s)
			}
			wantURL := "http://gh.test/acme/portal?customer_session_token=" + tok + "&email=jane%40gmail.com"
			if s["customer_portal_url"] != wantURL {
				t.Errorf("customer_portal_url = %v, want %s", s["customer_portal_url"], wantURL)
			}
			e.tok["s2"] = tok
			if w := e.do("GET", "/v1/customer-portal/customers/me", "s2", ""); w.Code != 200 {
				t.Fatalf("portal me: %d %s", w.Code, w.Body)
			}

			if w := e.do("DELETE", "/v1/customers/{a1}", "A", ""); w.Code != 204 || w.Body.Len() != 0 {
				t.Fatalf("delete: %d %q, want 204 empty", w.Code, w.Body)
			}
			if w := e.do("GET", "/v1/customers/{a1}", "A", ""); w.Code != 404 {
				t.Errorf("get after delete: %d", w.Code)
			}
			if w := e.do("DELETE", "/v1/customers/{a1}", "A", ""); w.Code != 404 {
				t.Errorf("second delete: %d, want 404", w.Code)
			}
			for _, tk := range []string{"s2", "cst"} {
				w := e.do("GET", "/v1/customer-portal/customers/me", tk, "")
				if w.Code != 401 || !strings.Contains(w.Body.String(), `"reason":"unknown"`) {
					t.Errorf("session %s after delete: %d %s, want 401 invalid_token unknown", tk, w.Code, w.Body)
				}
			}
			// The external ID and email are free again.
			c2 := e.mustCreate("A", `{"email":"jane@gmail.com","external_id":"usr_1"}`)
			if c2["id"] == e.vars["{a1}"] {
				t.Errorf("recreated customer reuses the deleted ID")
			}
		})
	}
}

func TestCreateCustomerRules(t *testing.T) {
	e := newEnv(t)
	runScenarios(t, e, []scenario{
		{name: "both taken", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"jane@gmail.com","external_id":"usr_1"}`, status: 422,
			want: `{"error":"PolarRequestValidationError","detail":[{"loc":["body","email"]},{"loc":["body","external_id"],"msg":"A customer with this external ID already exists.","input":"usr_1"}]}`},
		{name: "tax without address", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"t@gmail.com","tax_id":"FR61954506077"}`, status: 422,
			want: `{"error":"PolarRequestValidationError","detail":[{"type":"missing","loc":["body","billing_address"],"msg":"Country is required to validate tax ID.","input":null}]}`},
		{name: "tax invalid", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"t@gmail.com","tax_id":"FR00000000000","billing_address":{"country":"fr"}}`, status: 422,
			want: `{"detail":[{"type":"invalid","loc":["body","tax_id"],"msg":"Invalid tax ID.","input":"FR00000000000"}]}`},
		{name: "tax valid", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"t@gmail.com","tax_id":" 91-1144442 ","billing_address":{"country":"us","state":"CA","line1":"  1 Main St "}}`, status: 201,
			want: `{"tax_id":["911144442","us_ein"],"billing_address":{"country":"US","state":"US-CA","line1":"1 Main St","line2":null,"city":null,"postal_code":null}}`},
		{name: "type null", method: "POST", path: "/v1/customers/", tok: "A", body: `{"type":null,"email":"n@gmail.com"}`, status: 422,
			want: `{"error":"RequestValidationError","detail":[{"type":"union_tag_invalid","loc":["body"],"ctx":{"tag":"None"}}]}`},
		{name: "team no email no owner", method: "POST", path: "/v1/customers/", tok: "A", body: `{"type":"team","name":"T"}`, status: 422,
			want: `{"detail":[{"type":"value_error","loc":["body","team"],"ctx":{"error":{}}}]}`},
		{name: "team with owner", method: "POST", path: "/v1/customers/", tok: "A", body: `{"type":"team","name":"T","owner":{"email":"o@gmail.com"}}`, status: 201,
			want: `{"type":"team","email":null,"avatar_url":null}`},
		{name: "owner bad email", method: "POST", path: "/v1/customers/", tok: "A", body: `{"type":"team","owner":{"email":"nope"}}`, status: 422,
			want: `{"detail":[{"type":"value_error","loc":["body","team","owner","email"]}]}`},
		{name: "wrong types all reported", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":5,"name":true,"external_id":[],"locale":{}}`, status: 422,
			want: `{"error":"RequestValidationError","detail":[{"type":"string_type","loc":["body","individual","email"],"input":5},{"type":"string_type","loc":["body","individual","name"],"input":true},{"type":"string_type","loc":["body","individual","external_id"],"input":[]},{"type":"string_type","loc":["body","individual","locale"],"input":{}}]}`},
		{name: "name too long", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"l@gmail.com","name":"` + strings.Repeat("x", 257) + `"}`, status: 422,
			want: `{"detail":[{"type":"string_too_long","loc":["body","individual","name"],"ctx":{"max_length":256}}]}`},
		{name: "locale canonical, trims", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":" Loc@GMAIL.COM ","locale":"en-us","name":"  ","external_id":" ext "}`, status: 201,
			want: `{"email":"Loc@gmail.com","locale":"en-US","name":null,"billing_name":null,"external_id":"ext"}`},
		{name: "metadata null", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"m@gmail.com","metadata":null}`, status: 422,
			want: `{"detail":[{"type":"dict_type","loc":["body","individual","metadata"]}]}`},
		{name: "metadata bad value four errors", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"m@gmail.com","metadata":{"k":""}}`, status: 422,
			want: `{"detail":[{"loc":["body","individual","metadata","k","constrained-str"]},{"loc":["body","individual","metadata","k","int"]},{"loc":["body","individual","metadata","k","float"]},{"loc":["body","individual","metadata","k","bool"]}]}`},
		{name: "not an object", method: "POST", path: "/v1/customers/", tok: "A", body: `[1]`, status: 422,
			want: `{"detail":[{"type":"model_attributes_type","loc":["body"],"input":[1]}]}`},
		{name: "invalid json", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email": x}`, status: 422,
			want: `{"error":"RequestValidationError","detail":[{"type":"json_invalid","loc":["body",10],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}`},
		{name: "scope read only", method: "POST", path: "/v1/customers/", tok: "Aread", body: `{"email":"r@gmail.com"}`, status: 403},
		{name: "NUL in name", method: "POST", path: "/v1/customers/", tok: "A", body: `{"email":"z@gmail.com","name":"a\u0000b"}`, status: 422,
			want: `{"detail":[{"type":"value_error","loc":["body","individual","name"],"msg":"Value error, This value contains invalid characters"}]}`},
	})
	// Gravatar of the lower-cased email.
	c := e.mustGet("{a1}")
	sum := sha256.Sum256([]byte("jane@gmail.com"))
	if want := "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?d=404"; c["avatar_url"] != want {
		t.Errorf("avatar_url = %v, want %s", c["avatar_url"], want)
	}
}

func TestUpdateCustomerRules(t *testing.T) {
	e := newEnv(t)
	team := e.mustCreate("A", `{"type":"team","email":"team@gmail.com"}`)
	e.vars["{team}"] = team["id"].(string)
	noExt := e.mustCreate("A", `{"email":"free@gmail.com","billing_address":{"country":"FR"},"tax_id":"FR61954506077"}`)
	e.vars["{free}"] = noExt["id"].(string)
	runScenarios(t, e, []scenario{
		{name: "external id write once", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"external_id":"other"}`, status: 422,
			want: `{"detail":[{"type":"value_error","loc":["body","external_id"],"msg":"Customer external ID cannot be updated.","input":"other"}]}`},
		{name: "external id same is no-op", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"external_id":" usr_1 "}`, status: 200, want: `{"external_id":"usr_1"}`},
		{name: "external id taken", method: "PATCH", path: "/v1/customers/{free}", tok: "A", body: `{"external_id":"usr_1"}`, status: 422,
			want: `{"detail":[{"loc":["body","external_id"],"msg":"A customer with this external ID already exists."}]}`},
		{name: "external id set once", method: "PATCH", path: "/v1/customers/{free}", tok: "A", body: `{"external_id":"usr_free"}`, status: 200, want: `{"external_id":"usr_free"}`},
		{name: "email taken", method: "PATCH", path: "/v1/customers/{free}", tok: "A", body: `{"email":"JANE@gmail.com"}`, status: 422,
			want: `{"detail":[{"loc":["body","email"],"msg":"A customer with this email address already exists."}]}`},
		{name: "email null ignored, name cleared", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"email":null,"name":""}`, status: 200,
			want: `{"email":"jane@gmail.com","name":null,"billing_name":null,"modified_at":"2026-08-22T10:00:00.123456Z"}`},
		{name: "metadata replaces", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"metadata":{"new":true}}`, status: 200, want: `{"metadata":{"new":true}}`},
		{name: "team downgrade", method: "PATCH", path: "/v1/customers/{team}", tok: "A", body: `{"type":"individual"}`, status: 422,
			want: `{"detail":[{"loc":["body","type"],"msg":"Customer type cannot be downgraded from 'team' to 'individual'.","input":"individual"}]}`},
		{name: "upgrade to team", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"type":"team"}`, status: 200, want: `{"type":"team"}`},
		{name: "type enum", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: `{"type":"x"}`, status: 422, want: `{"detail":[{"type":"enum","loc":["body","type"]}]}`},
		{name: "address change revalidates tax", method: "PATCH", path: "/v1/customers/{free}", tok: "A", body: `{"billing_address":{"country":"DE"}}`, status: 422,
			want: `{"detail":[{"type":"invalid","loc":["body","tax_id"],"msg":"Invalid tax ID."}]}`},
		{name: "tax cleared with address change", method: "PATCH", path: "/v1/customers/{free}", tok: "A", body: `{"billing_address":{"country":"DE"},"tax_id":""}`, status: 200,
			want: `{"tax_id":null,"billing_address":{"country":"DE"}}`},
		{name: "external variant ignores external_id and type", method: "PATCH", path: "/v1/customers/external/usr_1", tok: "A", body: `{"external_id":"zzz","type":"bogus","locale":"fr"}`, status: 200,
			want: `{"external_id":"usr_1","locale":"fr"}`},
		{name: "path and body errors together", method: "PATCH", path: "/v1/customers/nope", tok: "A", body: `{"name":5}`, status: 422,
			want: `{"detail":[{"loc":["path","id"]},{"type":"string_type","loc":["body","name"]}]}`},
		{name: "unknown id after schema", method: "PATCH", path: "/v1/customers/" + uuidNope, tok: "A", body: `{"name":"x"}`, status: 404},
		{name: "missing body", method: "PATCH", path: "/v1/customers/{a1}", tok: "A", body: "", status: 422,
			want: `{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`},
	})
	c := e.mustGet("{a1}")
	if c["email_verified"] != false {
		t.Errorf("email_verified = %v", c["email_verified"])
	}
}

func TestEmailChangeResetsVerified(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	c, err := e.store.Customer(ctx, e.orgA.ID, e.vars["{a1}"])
	if err != nil {
		t.Fatal(err)
	}
	c.EmailVerified = true
	if err := e.store.UpdateCustomer(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := e.mustGet("{a1}")["email_verified"]; got != true {
		t.Fatalf("setup: email_verified = %v", got)
	}
	e.do("PATCH", "/v1/customers/{a1}", "A", `{"email":"JANE@gmail.com"}`)
	if got := e.mustGet("{a1}"); got["email_verified"] != true || got["email"] != "JANE@gmail.com" {
		t.Errorf("case-only change: %v %v, want verified kept", got["email"], got["email_verified"])
	}
	e.do("PATCH", "/v1/customers/{a1}", "A", `{"email":"new@gmail.com"}`)
	if got := e.mustGet("{a1}"); got["email_verified"] != false || got["email"] != "new@gmail.com" {
		t.Errorf("new email: %v %v, want not verified", got["email"], got["email_verified"])
	}
}

func TestDeleteAnonymize(t *testing.T) {
	e := newEnv(t)
	e.clock.Add(time.Minute)
	if w := e.do("DELETE", "/v1/customers/external/usr_1?anonymize=true", "A", ""); w.Code != 204 {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if _, err := e.store.CustomerByEmail(t.Context(), e.orgA.ID, "jane@gmail.com"); err == nil {
		t.Errorf("deleted customer still found by email")
	}
	if w := e.do("DELETE", "/v1/customers/{b1}?anonymize=maybe", "B", ""); w.Code != 422 || !strings.Contains(w.Body.String(), `"bool_parsing"`) {
		t.Errorf("anonymize=maybe: %d %s, want 422 bool_parsing", w.Code, w.Body)
	}
	if w := e.do("GET", "/v1/customers/{b1}", "B", ""); w.Code != 200 {
		t.Errorf("customer deleted despite the 422: %d", w.Code)
	}

}

func TestPortalURLEncoding(t *testing.T) {
	e := newEnv(t)
	e.mustCreate("A", `{"email":"a+b@gmail.com","external_id":"plus"}`)
	s := e.mustSession("A", `{"external_customer_id":"plus","customer_id":"`+uuidNope+`"}`)
	u, err := url.Parse(s["customer_portal_url"].(string))
	if err != nil || !strings.Contains(u.RawQuery, "email=a%2Bb%40gmail.com") || u.Path != "/acme/portal" {
		t.Errorf("customer_portal_url = %v, want external form to win and email=a%%2Bb%%40gmail.com", s["customer_portal_url"])
	}
	if s["return_url"] != nil {
		t.Errorf("return_url = %v, want null", s["return_url"])
	}
	w := e.do("POST", "/v1/customer-sessions/", "A", `{"member_id":null}`)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("neither form: %d", w.Code)
	}
	checkJSONBody(t, w.Body.Bytes(), `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","CustomerSessionCustomerIDCreate","customer_id"],"input":{"member_id":null}},{"type":"missing","loc":["body","CustomerSessionCustomerExternalIDCreate","external_customer_id"]}]}`)
}
