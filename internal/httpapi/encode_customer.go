package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse"
)

// The merchant API's Customer (§D.1) is written by hand, like the portal's
// (encode_portal.go): a list page carries up to 100 of them, and reflection
// costs several times what the appender does for each (BenchmarkEncodeCustomer
// against BenchmarkAppendCustomer in bench/README.md). The output is byte for byte what writeJSON makes of
// customerJSON(c) and of the list envelope (encode_customer_test.go
// compares them over random customers).

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

// customerBodies keeps the JSON of listed customers, keyed by the
// *gatehouse.Customer itself. That is sound because the customers a Store's
// ListCustomers returns are immutable (the Store contract): a changed
// customer is a new value, hence a new key, and an entry keeps its key
// alive, so an address is never reused while cached. It pays when the store
// shares its listed customers between lists (sqlstore's customer search on
// SQLite): a page of 100 then costs one copy instead of 100 encodings. At
// most max entries are kept; a full cache forgets a quarter of them.
type customerBodies struct {
	max int
	mu  sync.Mutex
	m   map[*gatehouse.Customer][]byte
}

func newCustomerBodies(max int) *customerBodies {
	if max <= 0 {
		return nil
	}
	return &customerBodies{max: max, m: make(map[*gatehouse.Customer][]byte, max)}
}

// appendList appends the JSON of cs, comma-separated.
func (cb *customerBodies) appendList(b []byte, cs []*gatehouse.Customer) []byte {
	var found [100][]byte // a page has at most 100 customers
	bodies := found[:0]
	if len(cs) > len(found) {
		bodies = make([][]byte, 0, len(cs))
	}
	cb.mu.Lock()
	for _, c := range cs {
		bodies = append(bodies, cb.m[c])
	}
	cb.mu.Unlock()
	missed := false
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		if bodies[i] != nil {
			b = append(b, bodies[i]...)
			continue
		}
		start := len(b)
		b = appendCustomer(b, c)
		bodies[i] = bytes.Clone(b[start:])
		missed = true
	}
	if missed {
		cb.mu.Lock()
		for i, c := range cs {
			if _, ok := cb.m[c]; ok {
				continue
			}
			if len(cb.m) >= cb.max {
				drop := len(cb.m) / 4
				for k := range cb.m { // Go's random map order
					if drop == 0 {
						break
					}
					delete(cb.m, k)
					drop--
				}
			}
			cb.m[c] = bodies[i]
		}
		cb.mu.Unlock()
	}
	return b
}

// appendCustomer appends the JSON of customerJSON(c) to b.
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
	b = appendJSONString(b, customerType(c))
	b = appendNameAndBilling(b, c)
	b = append(b, `,"locale":`...)
	b = appendStringPtr(b, c.Locale)
	b = append(b, `,"organization_id":`...)
	b = appendJSONString(b, c.OrganizationID)
	b = append(b, `,"default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":`...)
	if c.Email == nil {
		b = append(b, "null"...)
	} else {
		sum := sha256.Sum256([]byte(strings.ToLower(*c.Email)))
		b = append(b, `"https://www.gravatar.com/avatar/`...)
		b = hex.AppendEncode(b, sum[:])
		b = append(b, `?d=404"`...)
	}
	return append(b, '}')
}

// appendMetadata appends m as encoding/json writes a map[string]any: keys
// sorted, {} when empty or nil (publicMetadata). Values of the types
// metadata holds (strings, booleans, json.Number from the store, Go
// numbers from a request) are appended directly; anything else goes
// through encoding/json.
func appendMetadata(b []byte, m gatehouse.Metadata) []byte {
	if len(m) == 0 {
		return append(b, "{}"...)
	}
	var keys [16]string
	ks := keys[:0]
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	b = append(b, '{')
	for i, k := range ks {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendValue(b, m[k])
	}
	return append(b, '}')
}

func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case json.Number:
		if v == "" {
			return append(b, '0')
		}
		if isValidNumber(string(v)) {
			return append(b, v...)
		}
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			return appendFloat(b, v)
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

// appendFloat formats f as encoding/json does (ES6 number formatting).
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
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

// isValidNumber reports whether s is a JSON number literal (what
// encoding/json requires of a json.Number it writes).
func isValidNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
		if s == "" {
			return false
		}
	}
	switch {
	case s[0] == '0':
		s = s[1:]
	case '1' <= s[0] && s[0] <= '9':
		s = s[1:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	default:
		return false
	}
	if len(s) >= 2 && s[0] == '.' && '0' <= s[1] && s[1] <= '9' {
		s = s[2:]
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	if len(s) >= 2 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s[0] == '+' || s[0] == '-' {
			s = s[1:]
			if s == "" {
				return false
			}
		}
		for len(s) > 0 && '0' <= s[0] && s[0] <= '9' {
			s = s[1:]
		}
	}
	return s == ""
}
