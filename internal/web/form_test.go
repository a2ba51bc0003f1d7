package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

func TestBillingErrorsPlaceFieldsByLoc(t *testing.T) {
	us := billingForm{Country: "US", State: "US-XX"}
	fr := billingForm{Country: "FR", Region: "x"}
	tests := []struct {
		name      string
		form      billingForm
		item      string
		wantField string
		wantMsg   string
	}{
		{"country enum", billingForm{Country: "ZZ"}, `{"type":"enum","loc":["body","billing_address","country"],"msg":"Input should be 'AD', 'AE'"}`, "country", English.CountryInvalid},
		{"country missing", billingForm{Line1: "x"}, `{"type":"missing","loc":["body","billing_address","country"],"msg":"Field required"}`, "country", English.CountryRequired},
		{"US state", us, `{"type":"value_error","loc":["body","billing_address"],"msg":"Value error, Invalid US state"}`, "state", English.StateInvalidUS},
		{"CA state", billingForm{Country: "CA"}, `{"type":"value_error","loc":["body","billing_address"],"msg":"Value error, Invalid CA subdivision"}`, "state", English.StateInvalidCA},
		{"state elsewhere is region", fr, `{"type":"string_type","loc":["body","billing_address","state"],"msg":"Input should be a valid string"}`, "region", "Input should be a valid string."},
		{"tax id invalid", fr, `{"type":"invalid","loc":["body","tax_id"],"msg":"Invalid tax ID."}`, "tax_id", English.TaxIDInvalid},
		{"tax id needs country", billingForm{}, `{"type":"missing","loc":["body","billing_address"],"msg":"Country is required to validate tax ID."}`, "tax_id", English.TaxIDNeedsCountry},
		{"line1 NUL", fr, `{"type":"value_error","loc":["body","billing_address","line1"],"msg":"Value error, This value contains invalid characters"}`, "line1", "This value contains invalid characters."},
		{"billing name", fr, `{"type":"value_error","loc":["body","billing_name"],"msg":"bad"}`, "billing_name", "Bad."},
		{"unplaceable", fr, `{"type":"json_invalid","loc":["body",3],"msg":"JSON decode error"}`, "", "JSON decode error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d apitype.ValidationError
			if err := json.Unmarshal([]byte(tt.item), &d); err != nil {
				t.Fatal(err)
			}
			errs := billingErrors(&English, tt.form, []apitype.ValidationError{d})
			if got := errs[tt.wantField]; got != tt.wantMsg {
				t.Errorf("billingErrors(%s)[%q] = %q, want %q (all: %v)", tt.item, tt.wantField, got, tt.wantMsg, errs)
			}
		})
	}
}

func TestBillingFormUpdate(t *testing.T) {
	post := url.Values{
		"billing_name": {"  Jane Ltd "}, "line1": {"1 Main St"}, "city": {"Springfield"},
		"postal_code": {"62701"}, "country": {"us"}, "state": {"US-IL"}, "region": {"ignored"}, "tax_id": {""},
	}
	f := billingFormFromPost(post)
	u := f.update(false)
	b, _ := json.Marshal(u)
	want := `{"billing_name":"Jane Ltd","billing_address":{"line1":"1 Main St","line2":null,"postal_code":"62701","city":"Springfield","state":"US-IL","country":"US"},"tax_id":""}`
	if string(b) != want {
		t.Errorf("update body\n got %s\nwant %s", b, want)
	}

	// Outside the US and Canada the free-text region is the state.
	f = billingFormFromPost(url.Values{"country": {"FR"}, "state": {"US-IL"}, "region": {"Île-de-France"}})
	if got := deref(f.update(false).BillingAddress.State); got != "Île-de-France" {
		t.Errorf("state for FR = %q, want the region", got)
	}

	// An untouched empty address is not sent; an emptied existing one is,
	// so the API can refuse it instead of the portal ignoring it.
	empty := billingFormFromPost(url.Values{})
	if a := empty.update(false).BillingAddress; a != nil {
		t.Errorf("empty form without previous address sent %+v, want none", a)
	}
	if a := empty.update(true).BillingAddress; a == nil || a.Country != "" {
		t.Errorf("emptied address = %+v, want one with empty country", a)
	}
}

func TestBillingFormFromCustomer(t *testing.T) {
	st, name := "US-NY", "Jane"
	c := &apitype.PortalCustomer{BillingName: &name, BillingAddress: &apitype.Address{State: &st, Country: "US"}, TaxID: &[2]string{"911144442", "us_ein"}}
	f := billingFormFrom(c)
	if f.State != "US-NY" || f.Region != "" || f.TaxID != "911144442" || f.BillingName != "Jane" {
		t.Errorf("billingFormFrom = %+v", f)
	}
	other := "Bavaria"
	c.BillingAddress = &apitype.Address{State: &other, Country: "DE"}
	if f := billingFormFrom(c); f.Region != "Bavaria" || f.State != "" {
		t.Errorf("billingFormFrom DE = %+v, want region Bavaria", f)
	}
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{" k7q-2zd ": "K7Q2ZD", "AB CD 12": "ABCD12", "": ""} {
		if got := normalizeCode(in); got != want {
			t.Errorf("normalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKnownReason(t *testing.T) {
	tests := []struct{ reason, tok, want string }{
		{"expired", "x", "expired"},
		{"revoked", "x", "revoked"},
		{"", "garbage", "malformed"},
		{"", "gatehouse_cst_" + strings.Repeat("a", 43), "unknown"},
		{"<script>", "garbage", "malformed"},
	}
	for _, tt := range tests {
		if got := knownReason(tt.reason, tt.tok); got != tt.want {
			t.Errorf("knownReason(%q, %q) = %q, want %q", tt.reason, tt.tok, got, tt.want)
		}
	}
}

func TestTryAgain(t *testing.T) {
	h := &Handler{text: &English}
	tests := []struct {
		wait time.Duration
		want string
	}{
		{900 * time.Second, "Too many attempts. Please try again in 15 minutes."},
		{7 * time.Minute, "Too many attempts. Please try again in 7 minutes."},
		{61 * time.Second, "Too many attempts. Please try again in 2 minutes."},
		{time.Second, "Too many attempts. Please try again in 1 minute."},
		{0, "Too many attempts. Please try again later."}, // no Retry-After: no invented number
	}
	for _, tt := range tests {
		if got := h.tryAgain(tt.wait); got != tt.want {
			t.Errorf("tryAgain(%v) = %q, want %q", tt.wait, got, tt.want)
		}
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	csp, err := contentSecurityPolicy(nil)
	if err != nil || !strings.HasSuffix(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("default CSP = %q, %v", csp, err)
	}
	csp, err = contentSecurityPolicy([]string{"https://shop.example.com", "'self'"})
	if err != nil || !strings.HasSuffix(csp, "frame-ancestors https://shop.example.com 'self'") {
		t.Errorf("CSP with ancestors = %q, %v", csp, err)
	}
	for _, bad := range []string{"https://a.com; script-src *", "javascript:x", "shop.example.com", "https://a b", "*"} {
		if _, err := contentSecurityPolicy([]string{bad}); err == nil {
			t.Errorf("contentSecurityPolicy(%q) accepted, want error", bad)
		}
	}
}
