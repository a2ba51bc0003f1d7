package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/apitype"
)

// billingForm is the account page's edit form, as the customer typed it.
type billingForm struct {
	BillingName string
	Line1       string
	Line2       string
	PostalCode  string
	City        string
	Country     string
	State       string // ISO 3166-2 code from the US/CA select
	Region      string // free text for other countries
	TaxID       string
}

// billingFormFrom fills the form with the customer's stored values.
func billingFormFrom(c *apitype.PortalCustomer) billingForm {
	f := billingForm{BillingName: deref(c.BillingName)}
	if a := c.BillingAddress; a != nil {
		f.Line1, f.Line2 = deref(a.Line1), deref(a.Line2)
		f.PostalCode, f.City, f.Country = deref(a.PostalCode), deref(a.City), a.Country
		if hasSubdivisions(a.Country) {
			f.State = deref(a.State)
		} else {
			f.Region = deref(a.State)
		}
	}
	if c.TaxID != nil {
		f.TaxID = c.TaxID[0]
	}
	return f
}

// billingFormFromPost reads the submitted form.
func billingFormFromPost(v url.Values) billingForm {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return billingForm{
		BillingName: get("billing_name"),
		Line1:       get("line1"),
		Line2:       get("line2"),
		PostalCode:  get("postal_code"),
		City:        get("city"),
		Country:     strings.ToUpper(get("country")),
		State:       get("state"),
		Region:      get("region"),
		TaxID:       get("tax_id"),
	}
}

// update builds the PATCH body. The address is sent whenever the customer
// filled any part of it, or had one before (so emptying it is reported by
// the API instead of silently ignored); the tax ID is always sent, since an
// empty one clears it.
func (f billingForm) update(hadAddress bool) apitype.PortalCustomerUpdate {
	var u apitype.PortalCustomerUpdate
	if f.BillingName != "" {
		u.BillingName = &f.BillingName
	}
	state := f.Region
	if hasSubdivisions(f.Country) {
		state = f.State
	}
	filled := f.Line1 != "" || f.Line2 != "" || f.PostalCode != "" || f.City != "" || f.Country != "" || state != ""
	if filled || hadAddress {
		u.BillingAddress = &apitype.Address{
			Line1: ptr(f.Line1), Line2: ptr(f.Line2), PostalCode: ptr(f.PostalCode),
			City: ptr(f.City), State: ptr(state), Country: f.Country,
		}
	}
	u.TaxID = &f.TaxID
	return u
}

// billingErrors places the API's 422 detail items next to the form fields
// named by their loc. Items it cannot place are joined under the "" key.
func billingErrors(t *Strings, f billingForm, detail []apitype.ValidationError) map[string]string {
	errs := map[string]string{}
	for _, d := range detail {
		field, msg := billingField(t, f, d)
		if _, taken := errs[field]; !taken {
			errs[field] = msg
		}
	}
	return errs
}

// billingField maps one detail item to a field and a message to show.
func billingField(t *Strings, f billingForm, d apitype.ValidationError) (string, string) {
	loc := locStrings(d.Loc)
	if len(loc) < 2 || loc[0] != "body" {
		return "", cleanMsg(d.Msg)
	}
	switch loc[1] {
	case "billing_name":
		return "billing_name", cleanMsg(d.Msg)
	case "tax_id":
		if d.Type == "invalid" {
			return "tax_id", t.TaxIDInvalid
		}
		return "tax_id", cleanMsg(d.Msg)
	case "billing_address":
	default:
		return "", cleanMsg(d.Msg)
	}
	if len(loc) == 2 {
		// Address-level rules: state subdivision checks and the tax ID's
		// need for a country.
		switch {
		case strings.Contains(d.Msg, "tax ID"):
			return "tax_id", t.TaxIDNeedsCountry
		case strings.Contains(d.Msg, "US state"):
			return "state", t.StateInvalidUS
		case strings.Contains(d.Msg, "CA subdivision"):
			return "state", t.StateInvalidCA
		}
		return "country", cleanMsg(d.Msg)
	}
	switch field := loc[2]; field {
	case "country":
		if d.Type == "missing" || f.Country == "" {
			return "country", t.CountryRequired
		}
		return "country", t.CountryInvalid
	case "state":
		if !hasSubdivisions(f.Country) {
			return "region", cleanMsg(d.Msg)
		}
		return "state", cleanMsg(d.Msg)
	case "line1", "line2", "postal_code", "city":
		return field, cleanMsg(d.Msg)
	}
	return "", cleanMsg(d.Msg)
}

// emailErrors places the code-request 422 items: email errors on the email
// field, anything else at the top of the form.
func emailErrors(detail []apitype.ValidationError) map[string]string {
	errs := map[string]string{}
	for _, d := range detail {
		field := ""
		if loc := locStrings(d.Loc); len(loc) >= 2 && loc[0] == "body" && (loc[1] == "email" || loc[1] == "code") {
			field = loc[1]
		}
		if _, taken := errs[field]; !taken {
			errs[field] = cleanMsg(d.Msg)
		}
	}
	return errs
}

// locStrings renders a loc path as strings (indexes as decimal).
func locStrings(loc []any) []string {
	out := make([]string, len(loc))
	for i, l := range loc {
		out[i] = fmt.Sprint(l)
	}
	return out
}

// cleanMsg turns a pydantic-style message into a sentence for a person.
func cleanMsg(m string) string {
	m = strings.TrimPrefix(m, "Value error, ")
	if m == "" {
		return m
	}
	m = strings.ToUpper(m[:1]) + m[1:]
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ptr returns &s, or nil for "".
func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
