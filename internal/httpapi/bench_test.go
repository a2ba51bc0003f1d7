package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// BenchmarkPortalMe is the hot path: the token check (checksum, HMAC, one
// store lookup) and the JSON of /customers/me, through the whole handler
// on SQLite.
func BenchmarkPortalMe(b *testing.B) {
	e := newEnv(b)
	r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
	r.Header.Set("Authorization", "Bearer "+e.tok["cst"])
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.header)
		w.status = 0
		e.srv.ServeHTTP(w, r)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// BenchmarkBareHandler is the baseline the portal path is compared with: a
// net/http handler writing a constant JSON body of the same size.
func BenchmarkBareHandler(b *testing.B) {
	body := []byte(`{"created_at":"2026-08-22T10:00:00.123456Z","modified_at":null,"id":"e4d3e36a-da0d-4182-8dea-923dc5964007","email":"jane@gmail.com","email_verified":false,"name":"Jane Doe","billing_name":"Jane Doe","billing_address":null,"tax_id":null,"oauth_accounts":{},"default_payment_method_id":null,"type":"individual","locale":null}`)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	r := httptest.NewRequest("GET", "/v1/customer-portal/customers/me", nil)
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkEncodeCustomer is the Customer JSON of the merchant API.
func BenchmarkEncodeCustomer(b *testing.B) {
	email, name, ext, loc := "jane@example.com", "Jane Doe", "usr_1337", "en-US"
	line1, pc, city, state := "1 Main St", "94104", "San Francisco", "US-CA"
	c := &gatehouse.Customer{
		ID: gatehouse.NewID(), OrganizationID: gatehouse.NewID(), CreatedAt: time.Now(),
		Metadata: gatehouse.Metadata{"user_id": "ABC", "seats": 3}, ExternalID: &ext, Email: &email,
		Type: gatehouse.CustomerIndividual, Name: &name, Locale: &loc,
		BillingAddress: &gatehouse.Address{Line1: &line1, PostalCode: &pc, City: &city, State: &state, Country: "US"},
		TaxID:          &gatehouse.TaxID{Number: "911144442", Format: "us_ein"},
	}
	w := &recordWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writeJSON(w, http.StatusOK, customerJSON(c))
	}
}
