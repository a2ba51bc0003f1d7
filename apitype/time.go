package apitype

import (
	"encoding/json"
	"time"
)

// Time is a UTC timestamp encoded as 2006-01-02T15:04:05.999999Z
// (microseconds only when non-zero).
type Time struct{ time.Time }

// TimeFormat is the wire layout of Time.
const TimeFormat = "2006-01-02T15:04:05.999999Z"

// NewTime wraps t, truncated to microseconds, in UTC.
func NewTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

// NewTimePtr wraps *t, or returns nil.
func NewTimePtr(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	v := NewTime(*t)
	return &v
}

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeFormat)+2)
	b = append(b, '"')
	b = AppendTime(b, t.Time)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts any RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

// FormatTime returns t as the wire writes it (TimeFormat, in UTC), for
// places that are not JSON (the CSV export).
func FormatTime(t time.Time) string {
	return string(AppendTime(make([]byte, 0, len(TimeFormat)), t))
}

// AppendTime appends t in UTC as TimeFormat lays it out: at most six
// fractional digits, without trailing zeros (truncated, not rounded). It is
// the one timestamp formatter of the wire; years 0-9999 are formatted by
// hand (the server's hand-written encoders call it for every timestamp,
// see BenchmarkEncodeCustomer), others by time.Time.AppendFormat.
func AppendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, TimeFormat)
	}
	hour, minute, sec := t.Clock()
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
	return append(b, 'Z')
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
