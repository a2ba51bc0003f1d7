package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// checkReason fails unless GET path with token tok is a 401 invalid_token
// with that reason.
func checkReason(t *testing.T, e *env, path, tok, reason string) {
	t.Helper()
	w := e.do("GET", path, tok, "")
	if w.Code != 401 || w.Header().Get("WWW-Authenticate") != invalidTokenWWW {
		t.Errorf("GET %s with %s: %d %s, want 401 invalid_token", path, tok, w.Code, w.Body)
		return
	}
	checkJSONBody(t, w.Body.Bytes(), `{"error":"invalid_token","reason":"`+reason+`"}`)
}

func TestSessionLifecycle(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvDSN(t, dsn(t))
			t.Run("create options", func(t *testing.T) { testCreateOptions(t, e) })
			t.Run("list", func(t *testing.T) { testListSessions(t, e) })
			t.Run("revoke", func(t *testing.T) { testRevoke(t, e) })
			t.Run("isolation", func(t *testing.T) { testLifecycleIsolation(t, e) })
		})
	}
}

func testCreateOptions(t *testing.T, e *env) {
	s := e.mustSession("A", `{"customer_id":"{a1}","expires_in":120,"metadata":{"device":"ios","n":2}}`)
	created, _ := time.Parse(time.RFC3339Nano, s["created_at"].(string))
	expires, _ := time.Parse(time.RFC3339Nano, s["expires_at"].(string))
	if d := expires.Sub(created); d != 120*time.Second {
		t.Errorf("expires_in 120: lifetime %s", d)
	}
	checkJSONBody(t, mustMarshal(t, s), `{"metadata":{"device":"ios","n":2}}`)
	if d := e.mustSession("A", `{"external_customer_id":"usr_1"}`); d["metadata"] == nil {
		t.Errorf("default session: metadata %v, want {}", d["metadata"])
	}
	max := e.mustSession("A", fmt.Sprintf(`{"customer_id":"{a1}","expires_in":%d}`, 30*24*3600))
	if max["expires_at"] == nil {
		t.Errorf("expires_in at the maximum refused")
	}
	e.tok["short"] = s["token"].(string)
	if w := e.do("GET", "/v1/customer-portal/customers/me", "short", ""); w.Code != 200 {
		t.Fatalf("fresh short session: %d", w.Code)
	}
	e.clock.Add(121 * time.Second)
	checkReason(t, e, "/v1/customer-portal/customers/me", "short", "expired")

	bad := []struct{ in, typ, msg string }{
		{`0`, "greater_than", "Input should be greater than 0"},
		{`-5`, "greater_than", "Input should be greater than 0"},
		{`2592001`, "less_than_equal", "Input should be less than or equal to 2592000"},
		{`1e999`, "less_than_equal", "Input should be less than or equal to 2592000"},
		{`123456789012345678901234567890123456789012345`, "less_than_equal", "Input should be less than or equal to 2592000"},
		{`1.5`, "int_from_float", "Input should be a valid integer, got a number with a fractional part"},
		{`true`, "int_type", "Input should be a valid integer"},
		{`"soon"`, "int_parsing", "Input should be a valid integer, unable to parse string as an integer"},
	}
	for _, b := range bad {
		w := e.do("POST", "/v1/customer-sessions/", "A", `{"external_customer_id":"usr_1","expires_in":`+b.in+`}`)
		if w.Code != 422 {
			t.Errorf("expires_in %s: %d %s, want 422", b.in, w.Code, w.Body)
			continue
		}
		// 1e999 is echoed as sent, which Go's float64 cannot hold: compare text.
		if !strings.HasPrefix(w.Body.String(), `{"error":"RequestValidationError"`) ||
			!strings.Contains(w.Body.String(), `"type":"`+b.typ+`","loc":["body","CustomerSessionCustomerExternalIDCreate","expires_in"],"msg":"`+b.msg+`"`) {
			t.Errorf("expires_in %s: %s, want %s at expires_in", b.in, w.Body, b.typ)
		}
	}
	for _, ok := range []string{`3600.0`, `"60"`, `null`} {
		if w := e.do("POST", "/v1/customer-sessions/", "A", `{"external_customer_id":"usr_1","expires_in":`+ok+`}`); w.Code != 201 {
			t.Errorf("expires_in %s: %d %s, want 201", ok, w.Code, w.Body)
		}
	}
	w := e.do("POST", "/v1/customer-sessions/", "A", `{"customer_id":"{a1}","metadata":{"k":{"nested":1}}}`)
	if w.Code != 422 || !strings.Contains(w.Body.String(), `"metadata"`) {
		t.Errorf("nested metadata: %d %s, want 422 at metadata", w.Code, w.Body)
	}
	// A smaller server maximum.
	srv := e.newServer(func(c *Config) { c.MaxSessionTTL = time.Hour })
	e2 := *e
	e2.srv = srv
	if w := e2.do("POST", "/v1/customer-sessions/", "A", `{"customer_id":"{a1}","expires_in":3601}`); !strings.Contains(w.Body.String(), `"le":3600`) {
		t.Errorf("MaxSessionTTL 1h, expires_in 3601: %d %s", w.Code, w.Body)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// listIDs returns the session IDs of a list response and its totals.
func listIDs(t *testing.T, e *env, tok, query string) ([]string, float64, float64) {
	t.Helper()
	w := e.do("GET", "/v1/customer-sessions/"+query, tok, "")
	if w.Code != 200 {
		t.Fatalf("list %s: %d %s", query, w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "gatehouse_cst_") || strings.Contains(w.Body.String(), `"token"`) {
		t.Fatalf("list %s leaks a token: %s", query, w.Body)
	}
	var out struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		Pagination map[string]float64 `json:"pagination"`
	}
	json.Unmarshal(w.Body.Bytes(), &out)
	ids := make([]string, len(out.Items))
	for i, it := range out.Items {
		ids[i] = it.ID
	}
	return ids, out.Pagination["total_count"], out.Pagination["max_page"]
}

func testListSessions(t *testing.T, e *env) {
	c := e.mustCreate("A", `{"email":"list@gmail.com","external_id":"list_1"}`)
	cid := c["id"].(string)
	var made []string // oldest first
	for i := range 5 {
		e.clock.Add(time.Second)
		s := e.mustSession("A", `{"customer_id":"`+cid+`","expires_in":`+fmt.Sprint(10+i*100)+`}`)
		made = append(made, s["id"].(string))
	}
	ids, total, maxPage := listIDs(t, e, "A", "?customer_id="+cid+"&limit=2")
	if total != 5 || maxPage != 3 || len(ids) != 2 || ids[0] != made[4] || ids[1] != made[3] {
		t.Errorf("page 1: %v total %v max %v; want newest first %v", ids, total, maxPage, []string{made[4], made[3]})
	}
	ids, _, _ = listIDs(t, e, "Asread", "?external_customer_id=list_1&limit=2&page=3")
	if len(ids) != 1 || ids[0] != made[0] {
		t.Errorf("page 3 by external ID: %v, want [%s]", ids, made[0])
	}
	e.clock.Add(50 * time.Second) // the first session (10s) has expired
	if w := e.do("DELETE", "/v1/customer-sessions/"+made[1], "A", ""); w.Code != 204 {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	ids, total, _ = listIDs(t, e, "A", "?customer_id="+cid+"&active=true")
	if total != 3 || len(ids) != 3 || ids[2] != made[2] {
		t.Errorf("active=true: %v total %v, want the 3 newest", ids, total)
	}
	ids, _, _ = listIDs(t, e, "A", "?customer_id="+cid+"&active=false")
	if len(ids) != 2 || ids[0] != made[1] || ids[1] != made[0] {
		t.Errorf("active=false: %v, want revoked %s then expired %s", ids, made[1], made[0])
	}
	for _, q := range []string{"?external_customer_id=nobody", "?external_customer_id=list_1&customer_id={a1}"} {
		if ids, total, _ := listIDs(t, e, "A", e.expand(q)); len(ids) != 0 || total != 0 {
			t.Errorf("list %s: %v total %v, want nothing", q, ids, total)
		}
	}
	for q, want := range map[string]string{
		"?customer_id=nope": `{"detail":[{"type":"uuid_parsing","loc":["query","customer_id"]}]}`,
		"?active=maybe":     `{"detail":[{"type":"bool_parsing","loc":["query","active"]}]}`,
		"?page=0":           `{"detail":[{"type":"greater_than","loc":["query","page"]}]}`,
	} {
		w := e.do("GET", "/v1/customer-sessions/"+q, "A", "")
		if w.Code != 422 {
			t.Errorf("list %s: %d, want 422", q, w.Code)
		}
		checkJSONBody(t, w.Body.Bytes(), want)
	}
	w := e.do("GET", "/v1/customer-sessions/"+made[1], "Asread", "")
	checkJSONBody(t, w.Body.Bytes(), `{"id":"`+made[1]+`","customer_id":"`+cid+`","revoked_reason":"revoked","metadata":{},"last_used_at":null}`)
	if strings.Contains(w.Body.String(), "token") {
		t.Errorf("get session leaks a token: %s", w.Body)
	}
}

func testRevoke(t *testing.T, e *env) {
	c := e.mustCreate("A", `{"email":"rev@gmail.com","external_id":"rev_1"}`)
	cid := c["id"].(string)
	for i := range 3 {
		e.tok[fmt.Sprint("rev", i)] = e.mustSession("A", `{"customer_id":"`+cid+`"}`)["token"].(string)
	}
	e.tok["keep"] = e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	id0 := mustSessionID(t, e, e.tok["rev0"])
	if w := e.do("DELETE", "/v1/customer-sessions/"+id0, "Asread", ""); w.Code != 403 {
		t.Errorf("DELETE with customer_sessions:read: %d, want 403", w.Code)
	}
	if w := e.do("DELETE", "/v1/customer-sessions/"+id0, "Asess", ""); w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("DELETE: %d %q, want 204 empty", w.Code, w.Body)
	}
	checkReason(t, e, "/v1/customer-portal/customers/me", "rev0", "revoked")
	if w := e.do("DELETE", "/v1/customer-sessions/"+id0, "A", ""); w.Code != 204 {
		t.Errorf("second DELETE: %d, want 204", w.Code)
	}
	w := e.do("POST", "/v1/customer-sessions/revoke", "A", `{"external_customer_id":"rev_1"}`)
	if w.Code != 200 || w.Body.String() != `{"revoked":2}` {
		t.Errorf("bulk revoke: %d %s, want 200 {\"revoked\":2}", w.Code, w.Body)
	}
	checkReason(t, e, "/v1/customer-portal/customers/me", "rev2", "revoked")
	if w := e.do("POST", "/v1/customer-sessions/revoke", "A", `{"customer_id":"`+cid+`"}`); w.Body.String() != `{"revoked":0}` {
		t.Errorf("bulk revoke again: %s, want 0", w.Body)
	}
	if w := e.do("GET", "/v1/customer-portal/customers/me", "keep", ""); w.Code != 200 {
		t.Errorf("another customer's session: %d, want 200", w.Code)
	}
	for body, want := range map[string]string{
		`{"customer_id":"` + gatehouse.NewID() + `"}`: `{"error":"PolarRequestValidationError","detail":[{"type":"value_error","loc":["body","customer_id"],"msg":"Customer does not exist."}]}`,
		`{"external_customer_id":"ghost"}`:            `{"error":"PolarRequestValidationError","detail":[{"loc":["body","external_customer_id"],"input":"ghost"}]}`,
		`{}`:                                          `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","customer_id"]},{"type":"missing","loc":["body","external_customer_id"]}]}`,
		`{"customer_id":"x"}`:                         `{"error":"RequestValidationError","detail":[{"type":"uuid_parsing"}]}`,
		`[]`:                                          `{"error":"RequestValidationError"}`,
	} {
		w := e.do("POST", "/v1/customer-sessions/revoke", "A", body)
		if w.Code != 422 {
			t.Errorf("revoke %s: %d %s, want 422", body, w.Code, w.Body)
		}
		checkJSONBody(t, w.Body.Bytes(), want)
	}

	// Logout: the bearer revokes itself, with reason logout.
	e.tok["out"] = e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	if w := e.do("DELETE", "/v1/customer-portal/customer-session", "out", ""); w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("logout: %d %s, want 204", w.Code, w.Body)
	}
	checkReason(t, e, "/v1/customer-portal/customer-session/introspect", "out", "revoked")
	id := mustSessionID(t, e, e.tok["out"])
	w = e.do("GET", "/v1/customer-sessions/"+id, "A", "")
	checkJSONBody(t, w.Body.Bytes(), `{"revoked_reason":"logout"}`)
	if w := e.do("GET", "/v1/customer-portal/customers/me", "keep", ""); w.Code != 200 {
		t.Errorf("logout ended another session: %d", w.Code)
	}
}

// testLifecycleIsolation: organization B's token on every new endpoint
// with organization A's session and customer IDs answers as if they did not
// exist, and revokes nothing.
func testLifecycleIsolation(t *testing.T, e *env) {
	e.tok["iso"] = e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	id := mustSessionID(t, e, e.tok["iso"])
	notFound := `{"error":"ResourceNotFound","detail":"Not found"}`
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/customer-sessions/" + id, ""},
		{"DELETE", "/v1/customer-sessions/" + id, ""},
	} {
		w := e.do(c.method, c.path, "B", c.body)
		if w.Code != 404 || w.Body.String() != notFound {
			t.Errorf("B %s %s: %d %s, want 404", c.method, c.path, w.Code, w.Body)
		}
	}
	w := e.do("POST", "/v1/customer-sessions/revoke", "B", `{"customer_id":"{a1}"}`)
	if w.Code != 422 || !strings.Contains(w.Body.String(), "Customer does not exist.") {
		t.Errorf("B bulk revoke of A's customer: %d %s, want 422", w.Code, w.Body)
	}
	if ids, total, _ := listIDs(t, e, "B", e.expand("?customer_id={a1}")); len(ids) != 0 || total != 0 {
		t.Errorf("B lists A's sessions: %v %v", ids, total)
	}
	ids, _, _ := listIDs(t, e, "B", "?limit=100")
	for _, got := range ids {
		if got == id {
			t.Errorf("B's list contains A's session %s", id)
		}
	}
	if w := e.do("GET", "/v1/customer-portal/customers/me", "iso", ""); w.Code != 200 {
		t.Errorf("A's session after B's attempts: %d, want 200 (never revoked)", w.Code)
	}
	// B's customer session logs out B's session only.
	e.tok["isoB"] = e.mustSession("B", `{"customer_id":"{b1}"}`)["token"].(string)
	if w := e.do("DELETE", "/v1/customer-portal/customer-session", "isoB", ""); w.Code != 204 {
		t.Errorf("B logout: %d", w.Code)
	}
	if w := e.do("GET", "/v1/customer-portal/customers/me", "iso", ""); w.Code != 200 {
		t.Errorf("A's session after B's logout: %d", w.Code)
	}
}

func TestSessionRouteConflicts(t *testing.T) {
	e := newEnv(t)
	// POST /revoke is the literal route, not /{id}; GET /revoke is /{id}.
	if w := e.do("POST", "/v1/customer-sessions/revoke", "A", `{"customer_id":"{a1}"}`); w.Code != 200 {
		t.Errorf("POST /revoke: %d %s", w.Code, w.Body)
	}
	if w := e.do("GET", "/v1/customer-sessions/revoke", "A", ""); w.Code != 422 || !strings.Contains(w.Body.String(), `["path","id"]`) {
		t.Errorf("GET /revoke: %d %s, want the {id} route's 422", w.Code, w.Body)
	}
	if w := e.do("DELETE", "/v1/customer-sessions/revoke", "A", ""); w.Code != 422 {
		t.Errorf("DELETE /revoke: %d %s, want the {id} route's 422", w.Code, w.Body)
	}
	if w := e.do("PUT", "/v1/customer-sessions/"+gatehouse.NewID(), "A", "{}"); w.Code != http.StatusMethodNotAllowed ||
		w.Header().Get("Allow") != "GET, DELETE" {
		t.Errorf("PUT /{id}: %d Allow %q", w.Code, w.Header().Get("Allow"))
	}
	if w := e.do("GET", "/v1/customer-sessions", "A", ""); w.Code != http.StatusTemporaryRedirect {
		t.Errorf("GET without slash: %d, want 307", w.Code)
	}
}
