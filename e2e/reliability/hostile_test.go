package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// hostileCase is one malformed or malicious request and the answer the
// contract gives it.
type hostileCase struct {
	name   string
	method string
	path   string // escaped path and query
	body   []byte
	header map[string]string
	status int
	// errCode is the body's "error" key ("" for a bare {"detail":...} or a
	// non-JSON answer); detail, when set, must appear in the body.
	errCode string
	detail  string
	json    bool // the answer must be a JSON object
}

func nested(depth int) []byte {
	return []byte(`{"email":"deep@example.com","metadata":{"k":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}}`)
}

func hostileCases() []hostileCase {
	long := strings.Repeat("a", 16<<10)
	return []hostileCase{
		{name: "deeply nested JSON", method: "POST", path: "/v1/customers/", body: nested(100000),
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "nested JSON past the depth limit", method: "POST", path: "/v1/customers/", body: nested(65),
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "body of 10 MiB + 1", method: "POST", path: "/v1/customers/", body: bytes.Repeat([]byte(" "), 10<<20+1),
			status: 413, errCode: "RequestBodyTooLarge", detail: "maximum allowed size of 10485760 bytes", json: true},
		{name: "1 MB header", method: "GET", path: "/v1/customers/",
			header: map[string]string{"X-Big": strings.Repeat("x", 1<<20)}, status: 431},
		{name: "invalid UTF-8 in a string", method: "POST", path: "/v1/customers/",
			body:   []byte("{\"email\":\"utf@example.com\",\"name\":\"a\xff\xfeb\"}"),
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "invalid UTF-8 in the email", method: "POST", path: "/v1/customers/",
			body:   []byte("{\"email\":\"\xc3\x28@example.com\"}"),
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "huge integer in metadata", method: "POST", path: "/v1/customers/",
			body:   []byte(`{"email":"big@example.com","metadata":{"n":` + strings.Repeat("9", 400) + `}}`),
			status: 422, json: true},
		{name: "huge exponent in metadata", method: "POST", path: "/v1/customers/",
			body:   []byte(`{"email":"exp@example.com","metadata":{"n":1e999999}}`),
			status: 422, json: true},
		{name: "huge page number", method: "GET", path: "/v1/customers/?page=99999999999999999999999999",
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "huge limit", method: "GET", path: "/v1/customers/?limit=1e400",
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "external ID with ../ escaped", method: "GET", path: "/v1/customers/external/..%2F..%2Fetc%2Fpasswd",
			status: 404, errCode: "ResourceNotFound", json: true},
		{name: "external ID with NUL", method: "GET", path: "/v1/customers/external/abc%00def",
			status: 422, errCode: "RequestValidationError", detail: "invalid characters", json: true},
		{name: "external ID of 16 KiB", method: "GET", path: "/v1/customers/external/" + long,
			status: 404, errCode: "ResourceNotFound", json: true},
		// net/http refuses a request line that is not valid escaping
		// before any handler runs: a plain-text 400.
		{name: "external ID with bad escape", method: "GET", path: "/v1/customers/external/%zz",
			status: 400},
		{name: "customer ID not a UUID", method: "GET", path: "/v1/customers/..%2F..%2Fadmin",
			status: 422, errCode: "RequestValidationError", json: true},
		{name: "NUL in the name", method: "POST", path: "/v1/customers/",
			body:   []byte(`{"email":"nul@example.com","name":"a\u0000b"}`),
			status: 422, errCode: "RequestValidationError", detail: "invalid characters", json: true},
	}
}

// TestHostileInput sends each hostile case to the real binary and checks
// the exact status and envelope: a 4xx, JSON unless it is the server's
// 431, never a 5xx. Then it checks the server still answers normally.
func TestHostileInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		d := newDeployment(t, be)
		o := d.MustOrg(t, "Org hostile", "hostile")
		srv := d.MustServe(t)
		hc := &http.Client{Timeout: 30 * time.Second}
		for _, tc := range hostileCases() {
			t.Run(tc.name, func(t *testing.T) {
				req, err := http.NewRequest(tc.method, srv.URL+"/", bytes.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				req.URL.Opaque = tc.path // sent as is, even when not valid escaping
				req.Header.Set("Authorization", "Bearer "+o.Token)
				req.Header.Set("Content-Type", "application/json")
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatalf("%s %.80s: %v", tc.method, tc.path, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				checkHostile(t, tc, resp, body)
			})
		}
		mustLookAlikeEmail(t, srv.Client(o.Token))
		mustPathTrickRoundTrip(t, srv, o.Token)
		if _, err := srv.Client(o.Token).ListCustomers(t.Context(), listAll()); err != nil && client.StatusCode(err) == 0 {
			t.Errorf("after the hostile requests, the customer list no longer decodes (a stored value poisons it): %v", err)
		} else if err != nil {
			t.Fatalf("after the hostile requests a normal request fails: %v", err)
		}
	})
}

func checkHostile(t *testing.T, tc hostileCase, resp *http.Response, body []byte) {
	t.Helper()
	show := string(body)
	if len(show) > 300 {
		show = show[:300] + "…"
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s %.80s: got %d %s, want a 4xx (never 5xx)", tc.method, tc.path, resp.StatusCode, show)
	}
	if resp.StatusCode != tc.status {
		t.Fatalf("%s %.80s: got %d %s, want %d", tc.method, tc.path, resp.StatusCode, show, tc.status)
	}
	if !tc.json {
		return
	}
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // a 422 echoes huge numbers back as its input
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("%s %.80s: body %s is not a JSON object: %v", tc.method, tc.path, show, err)
	}
	if tc.errCode != "" && env["error"] != tc.errCode {
		t.Errorf("%s %.80s: got error %v, want %q (body %s)", tc.method, tc.path, env["error"], tc.errCode, show)
	}
	if _, ok := env["detail"]; !ok {
		t.Errorf("%s %.80s: body %s has no detail key", tc.method, tc.path, show)
	}
	if tc.detail != "" && !strings.Contains(string(body), tc.detail) {
		t.Errorf("%s %.80s: body %s does not mention %q", tc.method, tc.path, show, tc.detail)
	}
}

func listAll() client.ListCustomersParams { return client.ListCustomersParams{Limit: 100} }

// mustLookAlikeEmail creates a customer, then one whose email differs only
// by a Cyrillic 'а' (U+0430) in the domain or the local part: each is
// refused with a 422 or becomes a distinct customer, and a filter on the
// ASCII email never returns the look-alike.
func mustLookAlikeEmail(t *testing.T, c *client.Client) {
	t.Helper()
	ctx := t.Context()
	ascii := "jane.lookalike@example.com"
	orig, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: ascii})
	if err != nil {
		t.Fatalf("create %s: %v", ascii, err)
	}
	for _, fake := range []string{"jane.lookalike@ex\u0430mple.com", "j\u0430ne.lookalike@example.com"} {
		var email string
		_ = json.Unmarshal([]byte(`"`+fake+`"`), &email)
		cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email})
		switch st := client.StatusCode(err); {
		case err == nil:
			if cu.ID == orig.ID || cu.Email == nil || *cu.Email == ascii {
				t.Errorf("look-alike %q: merged with or stored as the ASCII customer (%v)", fake, cu.Email)
			}
		case st == http.StatusUnprocessableEntity:
		default:
			t.Errorf("look-alike %q: got %v, want 201 (a distinct customer) or 422", fake, err)
		}
	}
	list, err := c.ListCustomers(ctx, client.ListCustomersParams{Email: ascii})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].ID != orig.ID {
		t.Errorf("list ?email=%s: got %d items, want exactly the ASCII customer", ascii, len(list.Items))
	}
}

// mustPathTrickRoundTrip stores external IDs made of path tricks and reads
// each back through its escaped path: the exact customer comes back, and a
// near-miss spelling is a 404, never another customer.
func mustPathTrickRoundTrip(t *testing.T, srv *e2etest.Server, tok string) {
	t.Helper()
	c := srv.Client(tok)
	ctx := t.Context()
	for i, ext := range []string{"../../etc/passwd", "a/b%2Fc", "x?y#z", "..", "%00", strings.Repeat("z", 4096)} {
		cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: fmt.Sprintf("trick%d@example.com", i), ExternalID: &ext})
		if err != nil {
			t.Errorf("create with external_id %.40q: %v", ext, err)
			continue
		}
		got, err := c.GetCustomerExternal(ctx, ext)
		if err != nil || got.ID != cu.ID {
			t.Errorf("get external %.40q: got %v, want customer %s", ext, err, cu.ID)
		}
		if _, err := c.GetCustomerExternal(ctx, ext+"/"); client.StatusCode(err) != http.StatusNotFound {
			t.Errorf("get external %.40q + \"/\": got %v, want 404", ext, err)
		}
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/customers/external/..", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Errorf("GET /v1/customers/external/.. unescaped: got %d, want no 5xx", resp.StatusCode)
	}
}
