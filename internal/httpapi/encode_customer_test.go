package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
)

// metadataValues are the values metadata holds: from the store
// (json.Number), from a request (Go numbers), and the edges of
// encoding/json's float formatting.
var metadataValues = []any{
	"pro", "", "<b>&</b>", "\u2028", true, false, nil,
	json.Number("3"), json.Number("-1.5e+10"), json.Number("0.000001"), json.Number("1E400"), json.Number(""),
	3, int64(-7), 1.5, 1e21, 1e20, 1e-6, 1e-7, 123456789.125, math.Copysign(0, -1), 5e-324, math.MaxFloat64,
	float32(1.1), uint8(9),
}

func randMetadata(rng *rand.Rand) gatehouse.Metadata {
	switch rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return gatehouse.Metadata{}
	}
	m := gatehouse.Metadata{}
	for n := 1 + rng.IntN(20); n > 0; n-- {
		m[randString(rng)] = metadataValues[rng.IntN(len(metadataValues))]
	}
	return m
}

// TestAppendCustomerMatchesEncodingJSON checks that the hand-written
// merchant Customer and list bodies are byte for byte what encoding/json
// makes of customerJSON and of the list envelope, over random customers.
func TestAppendCustomerMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	bodies := newCustomerBodies(64) // small: evictions happen all along
	var page []*gatehouse.Customer
	for i := range 20000 {
		c := randCustomer(rng)
		c.OrganizationID, c.ExternalID, c.Metadata = randString(rng), randStringPtr(rng), randMetadata(rng)
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusCreated, customerJSON(c))
		got := httptest.NewRecorder()
		writeCustomer(got, http.StatusCreated, c)
		sameResponse(t, got, want, i, c)
		page = append(page, c)
		if len(page) == rng.IntN(8) || i == 19999 {
			total := rng.IntN(1000)
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			out := apitype.List[apitype.Customer]{Items: []apitype.Customer{}, Pagination: apitype.Pagination{TotalCount: total, MaxPage: maxPageOf(total, 10)}}
			for _, c := range page {
				out.Items = append(out.Items, customerJSON(c))
			}
			writeJSON(want, http.StatusOK, out)
			writeCustomerList(got, nil, page, total, maxPageOf(total, 10))
			sameResponse(t, got, want, i, page)
			// Through the body cache: the first time fills it, the
			// second reads it; both must give the same bytes.
			for range 2 {
				got := httptest.NewRecorder()
				writeCustomerList(got, bodies, page, total, maxPageOf(total, 10))
				sameResponse(t, got, want, i, page)
			}
			page = page[:0]
		}
	}
}

func sameResponse(t *testing.T, got, want *httptest.ResponseRecorder, i int, v any) {
	t.Helper()
	if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
		t.Fatalf("case %d: %+v\n got  %s\n want %s", i, v, got.Body.Bytes(), want.Body.Bytes())
	}
	if got.Code != want.Code || len(got.Header()) != len(want.Header()) {
		t.Fatalf("case %d: status/header %d %v, want %d %v", i, got.Code, got.Header(), want.Code, want.Header())
	}
	for k, v := range want.Header() {
		if strings.Join(got.Header()[k], "|") != strings.Join(v, "|") {
			t.Fatalf("case %d: header %s = %q, want %q", i, k, got.Header()[k], v)
		}
	}
	if !json.Valid(got.Body.Bytes()) {
		t.Fatalf("case %d: invalid JSON %s", i, got.Body.Bytes())
	}
}

// BenchmarkAppendCustomer is the merchant Customer by hand; compare
// BenchmarkEncodeCustomer (reflection).
func BenchmarkAppendCustomer(b *testing.B) {
	c := benchCustomer()
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writeCustomer(w, http.StatusOK, c)
	}
}

// TestCustomerBodiesNewValue: a changed customer is a new value, and the
// cache answers with its new JSON, never the old one.
func TestCustomerBodiesNewValue(t *testing.T) {
	bodies := newCustomerBodies(8)
	c := benchCustomer()
	list := func(cs ...*gatehouse.Customer) string {
		w := httptest.NewRecorder()
		writeCustomerList(w, bodies, cs, len(cs), 1)
		return w.Body.String()
	}
	before := list(c)
	changed := *c
	name := "Grace Hopper"
	changed.Name = &name
	after := list(&changed)
	if before == after || !strings.Contains(after, `"name":"Grace Hopper"`) {
		t.Fatalf("after the change the list says %s", after)
	}
	want := `{"items":[` + string(appendCustomer(nil, c)) + "," + string(appendCustomer(nil, &changed)) +
		`],"pagination":{"total_count":2,"max_page":1}}`
	if again := list(c, &changed); again != want {
		t.Fatalf("both values:\n got  %s\n want %s", again, want)
	}
}
