package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// The customer shapes of the wire. The merchant API's Customer (§D.1) and
// the portal's (§D.6) are appended by hand: a list page carries up to 100
// customers and the portal's /customers/me is the hottest body Gatehouse
// writes, and reflection costs several times more (BenchmarkEncodeCustomer
// against BenchmarkAppendCustomer, BenchmarkEncodePortalCustomerReflect
// against BenchmarkAppendPortalCustomer; figures in bench/README.md). The output is byte for
// byte what writeJSON makes of the reference shapes (customerjson_test.go
// compares them over random customers). wire.Customer is the same shape
// through encoding/json, for the bodies that embed a customer.

// writeCustomer writes c as the merchant API's Customer.
func writeCustomer(w http.ResponseWriter, status int, c *gatehouse.Customer) {
	buf := bodyPool.Get().(*bodyBuf)
	b := appendCustomer(buf.b[:0], c)
	writeBody(w, status, b)
	buf.b = b
	bodyPool.Put(buf)
}

// writeCustomerList writes a page of customers in the list envelope,
// taking the customers' JSON from bodies when it has them (bodies may be
// nil: no cache).
func writeCustomerList(w http.ResponseWriter, bodies *customerBodies, cs []*gatehouse.Customer, total, maxPage int) {
	buf := bodyPool.Get().(*bodyBuf)
	b := append(buf.b[:0], `{"items":[`...)
	if bodies == nil {
		for i, c := range cs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCustomer(b, c)
		}
	} else {
		b = bodies.appendList(b, cs)
	}
	b = append(b, `],"pagination":{"total_count":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"max_page":`...)
	b = strconv.AppendInt(b, int64(maxPage), 10)
	b = append(b, "}}"...)
	writeBody(w, http.StatusOK, b)
	buf.b = b
	bodyPool.Put(buf)
}

// appendCustomer appends the JSON of wire.Customer(c) to b.
func appendCustomer(b []byte, c *gatehouse.Customer) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, c.CreatedAt)
	b = append(b, `,"modified_at":`...)
	b = appendTimePtr(b, c.ModifiedAt)
	b = append(b, `,"metadata":`...)
	b = appendMetadata(b, c.Metadata)
	b = append(b, `,"external_id":`...)
	b = appendStringPtr(b, c.ExternalID)
	b = append(b, `,"email":`...)
	b = appendStringPtr(b, c.Email)
	b = append(b, `,"email_verified":`...)
	b = strconv.AppendBool(b, c.EmailVerified)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, wire.Type(c))
	b = appendNameAndBilling(b, c)
	b = append(b, `,"locale":`...)
	b = appendStringPtr(b, c.Locale)
	b = append(b, `,"organization_id":`...)
	b = appendJSONString(b, c.OrganizationID)
	b = append(b, `,"default_payment_method_id":null,"deleted_at":`...)
	b = appendTimePtr(b, c.DeletedAt)
	b = append(b, `,"first_user_event_at":null,"avatar_url":`...)
	if c.Email == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = wire.AppendAvatarURL(b, *c.Email)
		b = append(b, '"')
	}
	return append(b, '}')
}

// writePortalCustomer writes c as the portal's Customer (§D.6), exactly as
// writeJSON(w, status, portalCustomerJSON(c)) would.
func writePortalCustomer(w http.ResponseWriter, status int, c *gatehouse.Customer) {
	buf := bodyPool.Get().(*bodyBuf)
	b := appendPortalCustomer(buf.b[:0], c)
	writeBody(w, status, b)
	buf.b = b
	bodyPool.Put(buf)
}

// appendPortalCustomer appends the JSON of portalCustomerJSON(c) to b.
func appendPortalCustomer(b []byte, c *gatehouse.Customer) []byte {
	b = append(b, `{"created_at":`...)
	b = appendTime(b, c.CreatedAt)
	b = append(b, `,"modified_at":`...)
	b = appendTimePtr(b, c.ModifiedAt)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, c.ID)
	b = append(b, `,"email":`...)
	b = appendStringPtr(b, c.Email)
	b = append(b, `,"email_verified":`...)
	b = strconv.AppendBool(b, c.EmailVerified)
	b = appendNameAndBilling(b, c)
	b = append(b, `,"oauth_accounts":{},"default_payment_method_id":null,"type":`...)
	b = appendJSONString(b, wire.Type(c))
	b = append(b, `,"locale":`...)
	b = appendStringPtr(b, c.Locale)
	return append(b, '}')
}

// appendNameAndBilling appends the name, billing_name, billing_address and
// tax_id members, in that order, as both Customer shapes have them.
func appendNameAndBilling(b []byte, c *gatehouse.Customer) []byte {
	b = append(b, `,"name":`...)
	b = appendStringPtr(b, c.Name)
	b = append(b, `,"billing_name":`...)
	b = appendStringPtr(b, c.EffectiveBillingName())
	b = append(b, `,"billing_address":`...)
	b = appendAddress(b, c.BillingAddress)
	b = append(b, `,"tax_id":`...)
	b = appendTaxID(b, c.TaxID)
	return b
}

func appendAddress(b []byte, a *gatehouse.Address) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"line1":`...)
	b = appendStringPtr(b, a.Line1)
	b = append(b, `,"line2":`...)
	b = appendStringPtr(b, a.Line2)
	b = append(b, `,"postal_code":`...)
	b = appendStringPtr(b, a.PostalCode)
	b = append(b, `,"city":`...)
	b = appendStringPtr(b, a.City)
	b = append(b, `,"state":`...)
	b = appendStringPtr(b, a.State)
	b = append(b, `,"country":`...)
	b = appendJSONString(b, a.Country)
	return append(b, '}')
}

func appendTaxID(b []byte, t *gatehouse.TaxID) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	b = appendJSONString(b, t.Number)
	b = append(b, ',')
	b = appendJSONString(b, t.Format)
	return append(b, ']')
}
