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
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/wire"
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
		writeJSON(want, http.StatusCreated, wire.Customer(c))
		got := httptest.NewRecorder()
		writeCustomer(got, http.StatusCreated, c)
		sameResponse(t, got, want, i, c)
		page = append(page, c)
		if len(page) == rng.IntN(8) || i == 19999 {
			total := rng.IntN(1000)
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			out := apitype.List[apitype.Customer]{Items: []apitype.Customer{}, Pagination: apitype.Pagination{TotalCount: total, MaxPage: maxPageOf(total, 10)}}
			for _, c := range page {
				out.Items = append(out.Items, wire.Customer(c))
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

// jsonPieces are the fragments random strings are built from: plain text,
// every escape encoding/json knows, HTML characters (not escaped here),
// U+2028/U+2029, multi-byte and invalid UTF-8.
var jsonPieces = []string{
	"a", "Jane", " ", "é", "日本", "🎉", "<", ">", "&", `"`, `\`, "/", "\u2028", "\u2029",
	"\x00", "\x01", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f", "\xff", "\xe2\x80", "\xc3",
	"\u00a0", "\ufffd", "'", "+", "%", "\u2027", "\u202a",
}

func randString(rng *rand.Rand) string {
	var sb strings.Builder
	for n := rng.IntN(8); n > 0; n-- {
		sb.WriteString(jsonPieces[rng.IntN(len(jsonPieces))])
	}
	return sb.String()
}

func randStringPtr(rng *rand.Rand) *string {
	if rng.IntN(3) == 0 {
		return nil
	}
	s := randString(rng)
	return &s
}

func randTime(rng *rand.Rand) time.Time {
	zones := []*time.Location{time.UTC, time.FixedZone("X", 5*3600+1800), time.FixedZone("Y", -7*3600)}
	ns := rng.Int64N(int64(200 * 365 * 24 * time.Hour))
	t := time.Unix(0, 0).Add(time.Duration(ns))
	switch rng.IntN(3) {
	case 0:
		t = t.Truncate(time.Second)
	case 1:
		t = t.Truncate(time.Millisecond)
	}
	return t.In(zones[rng.IntN(len(zones))])
}

func randCustomer(rng *rand.Rand) *gatehouse.Customer {
	c := &gatehouse.Customer{
		ID: randString(rng), CreatedAt: randTime(rng), Email: randStringPtr(rng),
		EmailVerified: rng.IntN(2) == 0, Name: randStringPtr(rng), BillingName: randStringPtr(rng),
		Locale: randStringPtr(rng),
	}
	if rng.IntN(2) == 0 {
		t := randTime(rng)
		c.ModifiedAt = &t
	}
	switch rng.IntN(3) {
	case 0:
		c.Type = gatehouse.CustomerIndividual
	case 1:
		c.Type = randString(rng)
	}
	if rng.IntN(2) == 0 {
		c.BillingAddress = &gatehouse.Address{Line1: randStringPtr(rng), Line2: randStringPtr(rng),
			PostalCode: randStringPtr(rng), City: randStringPtr(rng), State: randStringPtr(rng), Country: randString(rng)}
	}
	if rng.IntN(2) == 0 {
		c.TaxID = &gatehouse.TaxID{Number: randString(rng), Format: randString(rng)}
	}
	return c
}

// TestAppendPortalCustomerMatchesEncodingJSON checks that the hand-written
// /customers/me body is byte for byte what encoding/json makes of
// portalCustomerJSON, headers included, over random customers.
func TestAppendPortalCustomerMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 20000 {
		c := randCustomer(rng)
		want := httptest.NewRecorder()
		writeJSON(want, http.StatusOK, portalCustomerJSON(c))
		got := httptest.NewRecorder()
		writePortalCustomer(got, http.StatusOK, c)
		sameResponse(t, got, want, i, c)
	}
}

// BenchmarkAppendPortalCustomer is the /customers/me body by hand;
// compare BenchmarkEncodePortalCustomerReflect.
func BenchmarkAppendPortalCustomer(b *testing.B) {
	c := randCustomer(rand.New(rand.NewPCG(1, 2)))
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writePortalCustomer(w, http.StatusOK, c)
	}
}

// BenchmarkEncodePortalCustomerReflect is the same body through
// encoding/json.
func BenchmarkEncodePortalCustomerReflect(b *testing.B) {
	c := randCustomer(rand.New(rand.NewPCG(1, 2)))
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writeJSON(w, http.StatusOK, portalCustomerJSON(c))
	}
}

// portalCustomerJSON is c as the customer portal shows it (§D.6), through
// encoding/json: the reference appendPortalCustomer is compared with.
func portalCustomerJSON(c *gatehouse.Customer) apitype.PortalCustomer {
	typ := wire.Type(c)
	return apitype.PortalCustomer{
		CreatedAt:      apitype.NewTime(c.CreatedAt),
		ModifiedAt:     apitype.NewTimePtr(c.ModifiedAt),
		ID:             c.ID,
		Email:          c.Email,
		EmailVerified:  c.EmailVerified,
		Name:           c.Name,
		BillingName:    c.EffectiveBillingName(),
		BillingAddress: wire.Address(c.BillingAddress),
		TaxID:          wire.TaxID(c.TaxID),
		OAuthAccounts:  map[string]apitype.OAuthAccount{},
		Type:           &typ,
		Locale:         c.Locale,
	}
}
