package httpapi

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	big := `{"email":"big@gmail.com","name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	w := e.do("POST", "/v1/customers/", "A", big)
	if w.Code != 413 {
		t.Fatalf("10 MiB+ body: %d", w.Code)
	}
	checkJSONBody(t, w.Body.Bytes(), `{"error":"RequestBodyTooLarge","detail":"Request body exceeded the maximum allowed size of 10485760 bytes."}`)

	// A body longer than its declared length is cut by the limited reader.
	r := httptest.NewRequest("POST", "/v1/customers/", strings.NewReader(big))
	r.ContentLength = 10
	r.Header.Set("Authorization", "Bearer "+e.tok["A"])
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, r)
	if rec.Code != 413 {
		t.Errorf("lying Content-Length: %d %s", rec.Code, rec.Body)
	}
	if w := e.do("GET", "/v1/customers/?email=big@gmail.com", "A", ""); !strings.Contains(w.Body.String(), `"total_count":0`) {
		t.Errorf("oversized create stored something: %s", w.Body)
	}
}

// TestOverTheWire checks the length rules through a real net/http server,
// which presents Content-Length and chunked bodies its own way.
func TestOverTheWire(t *testing.T) {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	send := func(body io.Reader, length string) *http.Response {
		r, _ := http.NewRequest("POST", ts.URL+"/v1/customers/", body)
		r.Header.Set("Authorization", "Bearer "+e.tok["A"])
		if length != "" {
			r.ContentLength = 0
			r.Header.Set("Content-Length", length)
		}
		resp, err := ts.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	pr, pw := io.Pipe()
	go func() { pw.Write([]byte(`{"email":"chunk@gmail.com"}`)); pw.Close() }()
	if resp := send(pr, ""); resp.StatusCode != 411 {
		t.Errorf("chunked: %d, want 411", resp.StatusCode)
	}
	if resp := send(http.NoBody, "0"); resp.StatusCode != 422 {
		t.Errorf("Content-Length: 0: %d, want 422 (missing body)", resp.StatusCode)
	}
	if resp := send(strings.NewReader(`{"email":"wire@gmail.com"}`), ""); resp.StatusCode != 201 || resp.Header.Get("Polar-Version") != "2026-04" {
		t.Errorf("normal create: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("HEAD", ts.URL+"/v1/customer-portal/organizations/acme", nil)
	if resp, err := ts.Client().Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("HEAD: %v %v", resp, err)
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	w := e.do("OPTIONS", "/v1/customers/", "", "", "Origin", "https://shop.example", "Access-Control-Request-Method", "GET",
		"Access-Control-Request-Headers", "authorization,polar-version")
	h := w.Header()
	if w.Code != 200 || h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Max-Age") != "600" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Polar-Version") {
		t.Errorf("preflight: %d %v", w.Code, h)
	}
	w = e.do("GET", "/v1/customers/", "A", "", "Origin", "https://shop.example")
	if w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Access-Control-Expose-Headers") != "Polar-Version" ||
		w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("simple request CORS headers: %v", w.Header())
	}
	if w := e.do("OPTIONS", "/v1/customers/", "", ""); w.Code != 405 {
		t.Errorf("OPTIONS without preflight headers: %d, want 405", w.Code)
	}
}

func TestPanicAndLogging(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	srv := e.newServer(func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	rs := append(srv.routes(), route{RouteInfo{"GET", "/boom", AuthNone, nil}, func(http.ResponseWriter, *http.Request) error {
		panic("secret internal state")
	}})
	srv.router = newRouter(rs)
	r := httptest.NewRequest("GET", "/boom?customer_session_token="+e.tok["cst"], nil)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	if w.Code != 500 || w.Body.String() != `{"error":"InternalServerError","detail":"Internal server error."}` {
		t.Errorf("panic: %d %s", w.Code, w.Body)
	}
	r = httptest.NewRequest("GET", "/v1/customers/?limit=1", nil)
	r.Header.Set("Authorization", "Bearer "+e.tok["A"])
	srv.ServeHTTP(httptest.NewRecorder(), r)
	out := logs.String()
	if !strings.Contains(out, `"route":"GET /v1/customers/"`) || !strings.Contains(out, `"status":200`) || !strings.Contains(out, "secret internal state") {
		t.Errorf("log lacks route, status or panic cause:\n%s", out)
	}
	for _, tok := range e.tok {
		if strings.Contains(out, tok) {
			t.Errorf("log contains a raw token:\n%s", out)
		}
	}
}

func TestJSONInvalidPositions(t *testing.T) {
	tests := []struct {
		body string
		pos  int
		msg  string
	}{
		{`{"a":}`, 5, "Expecting value"},
		{`{"a" 1}`, 5, "Expecting ':' delimiter"},
		{`{"a":1 "b":2}`, 7, "Expecting ',' delimiter"},
		{`{a:1}`, 1, "Expecting property name enclosed in double quotes"},
		{`{"é":"x`, 5, "Unterminated string starting at"},
		{`{"a":1}x`, 7, "Extra data"},
		{`{"a":"\q"}`, 6, "Invalid \\escape"},
		{"{\"a\":\"\x01\"}", 6, "Invalid control character at"},
		{strings.Repeat("[", 65) + strings.Repeat("]", 65), 64, "Maximum nesting depth exceeded"},
		{"{\"a\":\"\xff\"}", 6, "Invalid UTF-8"},
		{` `, 1, "Expecting value"},
	}
	for _, tt := range tests {
		fe := checkJSON([]byte(tt.body))
		if fe == nil || fe.Loc[1] != tt.pos || fe.Ctx["error"] != tt.msg || fe.Type != "json_invalid" {
			t.Errorf("checkJSON(%q) = %+v, want pos %d msg %q", tt.body, fe, tt.pos, tt.msg)
		}
	}
	for _, ok := range []string{`{}`, `{"a":[1,-0.5e+3,true,false,null,{"b":"\u00e9\n"}]}`, ` {"a":1} `, strings.Repeat("[", 64) + strings.Repeat("]", 64)} {
		if fe := checkJSON([]byte(ok)); fe != nil {
			t.Errorf("checkJSON(%q) = %+v, want valid", ok, fe)
		}
	}
}

// TestRequestLogLine pins the access log line, whose method and route are
// formatted once per route: the same fields, in the same order, as one
// LogAttrs call with all four, for a GET, a HEAD on a GET route, a route
// with a wildcard and an unrouted path.
func TestRequestLogLine(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case slog.TimeKey:
			return slog.Attr{}
		case "duration":
			return slog.Duration("duration", 0)
		}
		return a
	}}))
	e := newEnv(t)
	e.srv = e.newServer(func(c *Config) { c.Logger = log })
	for _, c := range []struct{ method, path, tok, want string }{
		{"GET", "/v1/customer-portal/customers/me", "cst", `method=GET route="GET /v1/customer-portal/customers/me" status=200`},
		{"HEAD", "/v1/customer-portal/customers/me", "cst", `method=HEAD route="GET /v1/customer-portal/customers/me" status=200`},
		{"GET", "/v1/customers/{a1}", "A", `method=GET route="GET /v1/customers/{id}" status=200`},
		{"GET", "/nowhere", "", `method=GET route="" status=404`},
	} {
		buf.Reset()
		e.do(c.method, c.path, c.tok, "")
		if got, want := buf.String(), "level=INFO msg=request "+c.want+" duration=0s\n"; got != want {
			t.Errorf("%s %s logged %q, want %q", c.method, c.path, got, want)
		}
	}
}
