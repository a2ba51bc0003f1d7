package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
)

// The portal's /customers/me answer is the hottest body Gatehouse writes,
// so it is appended by hand instead of through reflection. The output is
// byte for byte what writeJSON(portalCustomerJSON(c)) produces
// (encode_portal_test.go compares the two over random customers).

// bodyBuf is a pooled body buffer (a pointer, so that Put does not
// allocate).
type bodyBuf struct{ b []byte }

var bodyPool = sync.Pool{New: func() any { return &bodyBuf{b: make([]byte, 0, 1024)} }}

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
	b = appendJSONString(b, customerType(c))
	b = append(b, `,"locale":`...)
	b = appendStringPtr(b, c.Locale)
	return append(b, '}')
}

// appendTimePtr appends *t as appendTime does, or null.
func appendTimePtr(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

// plainJSON marks the bytes a JSON string holds as they are.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendTime appends t quoted, as apitype.Time encodes it: UTC, at most
// six fractional digits without trailing zeros (apitype.TimeFormat),
// formatted by hand for years 0-9999.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.Truncate(time.Microsecond).AppendFormat(b, apitype.TimeFormat)
		return append(b, '"')
	}
	hour, minute, sec := t.Clock()
	b = append(b, '"')
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		digits := 6
		for us%10 == 0 {
			us /= 10
			digits--
		}
		b = append(b, '.')
		b = appendDigits(b, us, digits)
	}
	return append(b, 'Z', '"')
}

// appendDigits appends n (0 <= n < 10^width) in exactly width digits.
func appendDigits(b []byte, n, width int) []byte {
	b = append(b, "000000"[:width]...)
	for i := len(b) - 1; n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

func appendStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does with HTML
// escaping off: \" \\ \b \f \n \r \t, other control characters as \u00XX,
// invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	// Fast path: printable ASCII other than " and \ is copied as is.
	i := 0
	for i < len(s) && plainJSON[s[i]] {
		i++
	}
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
