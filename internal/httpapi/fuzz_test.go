package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzSeeds are bodies every decoder fuzz target starts from.
var fuzzSeeds = []string{
	`{}`, `[]`, `null`, `{"email":"a@gmail.com"}`, `{"type":"team","owner":{"email":"o@gmail.com"}}`,
	`{"email":"a@gmail.com","metadata":{"k":1.5,"b":true,"s":"x"},"billing_address":{"country":"us","state":"CA"},"tax_id":"91-1144442"}`,
	`{"name":"\u0000"}`, `{"metadata":{"k":[{"x":{}}]}}`, `{"external_id":"usr_1","type":null}`,
	`{"customer_id":"{a1}","return_url":"https://e.com"}`, `{"external_customer_id":"usr_1","customer_id":5}`,
	`{"billing_name":"x","billing_address":null,"default_payment_method_id":"x"}`, `{"a":1e999999}`, `{"a":-}`, "\xff",
	`{"customer_id":"{a1}","expires_in":3600,"metadata":{"k":"v"}}`, `{"external_customer_id":"usr_1","expires_in":1e400}`,
	`{"external_customer_id":"usr_1","expires_in":-0.0}`, `{"external_customer_id":"usr_1","expires_in":"12"}`,
	`{"external_customer_id":"usr_1","expires_in":99999999999999999999999999999999999999999999999}`,
	`{"external_customer_id":"usr_1","metadata":null}`, `{"customer_id":"{a1}","expires_in":[1]}`,
	`{"email":"jane@gmail.com","organization_id":"{orgA}","customer_id":null}`, `{"email":"x","organization_id":5}`,
	`{"code":"ABC123"}`, `{"code":null}`, `{"external_customer_id":"usr_1"}`, `{"customer_id":"{b1}"}`,
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
func FuzzDecodeCodeRequest(f *testing.F) {
	fuzzEndpoint(f, "POST", "/v1/customer-portal/customer-session/request", "")
}
func FuzzDecodeCodeAuthenticate(f *testing.F) {
	fuzzEndpoint(f, "POST", "/v1/customer-portal/customer-session/authenticate", "")
}

// FuzzDecodeRevoke also checks that organization B's customer is never
// touched by organization A's bulk revocation.
func FuzzDecodeRevoke(f *testing.F) {
	e := newEnv(f)
	e.tok["bsess"] = e.mustSession("B", `{"customer_id":"{b1}"}`)["token"].(string)
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if body == "" {
			return
		}
		te := e.with(t)
		w := te.do("POST", "/v1/customer-sessions/revoke", "A", body)
		if w.Code >= 500 || w.Code == 200 && !strings.HasPrefix(w.Body.String(), `{"revoked":`) {
			t.Fatalf("revoke %q: %d %s", body, w.Code, w.Body)
		}
		if w := te.do("GET", "/v1/customer-portal/customers/me", "bsess", ""); w.Code != 200 {
			t.Fatalf("revoke %q by A ended B's session: %d", body, w.Code)
		}
	})
}

// FuzzSecretScanning signs every fuzzed body with the configured key, so
// the report parser and the revoker are reached: never a 5xx, and a 200
// answers one result per report.
func FuzzSecretScanning(f *testing.F) {
	e := newEnv(f)
	for _, s := range []string{`[]`, `[{"token":"` + e.tok["cst"] + `","type":"gatehouse_customer_session_token","source":"s"}]`,
		`[{"token":"` + tamper(e.tok["A"]) + `","type":"GATEHOUSE_ORGANIZATION_ACCESS_TOKEN","url":null,"source":"s"}]`,
		`[{"token":5,"type":[],"source":{}}]`, `[null]`, `{}`, `[{"token":"x","type":"x"}]`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if body == "" {
			return
		}
		te := e.with(t)
		w := te.do("POST", secretScanPattern, "", body, hdrKeyID, "k1", hdrSignature, sign(t, e.scanPriv, body))
		if w.Code >= 500 || w.Code == 401 || w.Code == 403 {
			t.Fatalf("signed report %q: %d %s", body, w.Code, w.Body)
		}
		if w.Code == 200 {
			var in, out []json.RawMessage
			if json.Unmarshal([]byte(body), &in) != nil || json.Unmarshal(w.Body.Bytes(), &out) != nil || len(in) != len(out) {
				t.Fatalf("report %q: answer %s does not have one result per report", body, w.Body)
			}
		}
	})
}

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

// FuzzListQuery drives the customer list's query-string parser (filters,
// metadata[k] keys, paging, sorting) and the store query behind it: never a
// 5xx, and a 200 is always a list within the page cap.
func FuzzListQuery(f *testing.F) {
	e := newEnv(f)
	for _, s := range []string{"", "limit=500", "page=0", "sorting=-email&sorting=name", "sorting=foo",
		"metadata%5Bk%5D=1&metadata%5Bk%5D=true", "metadata[k]=%00", "metadata[]=x", "metadata[a[b]]=c",
		"query=%25_%5C", "query='; DROP TABLE customers; --", "email=A@GMAIL.COM", "organization_id=x",
		"active=yes", "active=maybe", "limit=1e400", "page=99999999999999999999", "%zz", "a=%ff%fe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if strings.ContainsAny(q, " #") || strings.IndexFunc(q, unicode.IsControl) >= 0 {
			return // not a request line net/http would deliver
		}
		w := e.with(t).do("GET", "/v1/customers/?"+q, "A", "")
		if w.Code >= 500 {
			t.Fatalf("GET /v1/customers/?%s: %d %s", q, w.Code, w.Body)
		}
		if w.Code == 200 {
			var l struct {
				Items      []json.RawMessage `json:"items"`
				Pagination struct{ TotalCount, MaxPage int }
			}
			if err := json.Unmarshal(w.Body.Bytes(), &l); err != nil || l.Items == nil || len(l.Items) > 100 {
				t.Fatalf("GET /v1/customers/?%s: 200 with %s", q, w.Body)
			}
		}
	})
}
