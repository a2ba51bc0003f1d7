package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are bodies every decoder fuzz target starts from.
var fuzzSeeds = []string{
	`{}`, `[]`, `null`, `{"email":"a@gmail.com"}`, `{"type":"team","owner":{"email":"o@gmail.com"}}`,
	`{"email":"a@gmail.com","metadata":{"k":1.5,"b":true,"s":"x"},"billing_address":{"country":"us","state":"CA"},"tax_id":"91-1144442"}`,
	`{"name":"\u0000"}`, `{"metadata":{"k":[{"x":{}}]}}`, `{"external_id":"usr_1","type":null}`,
	`{"customer_id":"{a1}","return_url":"https://e.com"}`, `{"external_customer_id":"usr_1","customer_id":5}`,
	`{"billing_name":"x","billing_address":null,"default_payment_method_id":"x"}`, `{"a":1e999999}`, `{"a":-}`, "\xff",
}

// fuzzEndpoint drives one endpoint with arbitrary bodies and fails on any
// 5xx (a panic is recovered into a 500, so it fails too).
func fuzzEndpoint(f *testing.F, method, path, tok string) {
	e := newEnv(f)
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if body == "" {
			return // the helper sends no body then; covered by the scenarios
		}
		w := e.with(t).do(method, path, tok, body)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
		}
	})
}

func FuzzDecodeCustomerCreate(f *testing.F) { fuzzEndpoint(f, "POST", "/v1/customers/", "A") }
func FuzzDecodeCustomerUpdate(f *testing.F) { fuzzEndpoint(f, "PATCH", "/v1/customers/{a1}", "A") }
func FuzzDecodeSessionCreate(f *testing.F)  { fuzzEndpoint(f, "POST", "/v1/customer-sessions/", "A") }
func FuzzDecodePortalUpdate(f *testing.F) {
	fuzzEndpoint(f, "PATCH", "/v1/customer-portal/customers/me", "cst")
}

// FuzzBearer checks the Authorization header handling: only 200 (the valid
// session, possibly with other casing) or a 401 ever comes back.
func FuzzBearer(f *testing.F) {
	e := newEnv(f)
	for _, s := range []string{"Bearer " + e.tok["cst"], "bearer " + e.tok["A"], "Bearer " + tamper(e.tok["cst"]),
		"Bearer gatehouse_cst_", "Bearer polar_cst_abc", "Basic abc", "Bearer", "Bearer  x", "Bearer t\u00f6k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if strings.ContainsAny(h, "\r\n\x00") || !utf8.ValidString(h) {
			return // not a header value net/http would deliver
		}
		tok, ok := bearer(h)
		if ok && (tok == "" || strings.IndexFunc(tok, func(r rune) bool { return r >= 0x80 }) >= 0) {
			t.Fatalf("bearer(%q) = %q, accepted an empty or non-ASCII token", h, tok)
		}
		w := e.with(t).do("GET", "/v1/customer-portal/customers/me", "raw:"+h, "")
		if w.Code != http.StatusOK && w.Code != http.StatusUnauthorized {
			t.Fatalf("Authorization %q: %d %s", h, w.Code, w.Body)
		}
	})
}
