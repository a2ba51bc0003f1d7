package httpapi

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

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

// TestAppendJSONStringEscapes pins the escapes that matter to the contract.
func TestAppendJSONStringEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"<a&b>":        `"<a&b>"`,
		"\u2028\u2029": `"\u2028\u2029"`,
		"\"\\\n\t\x01": `"\"\\\n\t\u0001"`,
		"\xff":         `"\ufffd"`,
		"é":            `"é"`,
	} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
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
