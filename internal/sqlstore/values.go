package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// norm returns t in UTC truncated to microseconds: exactly what a read of
// the stored value gives back.
func norm(t time.Time) time.Time {
	return time.UnixMicro(t.UnixMicro()).UTC()
}

// normPtr normalizes *t in place (see norm).
func normPtr(t *time.Time) {
	if t != nil {
		*t = norm(*t)
	}
}

// micros is the stored form of a time.
func micros(t time.Time) int64 { return t.UnixMicro() }

// microsPtr is the stored form of an optional time (NULL for nil).
func microsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros is the time of a stored value, in UTC.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// timePtr is the optional time of a nullable stored value.
func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

// strPtr is the optional string of a nullable column.
func strPtr(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	s := v.String
	return &s
}

// nullStr is the stored form of an optional string.
func nullStr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// encodeMetadata is the stored JSON text of m ("{}" for nil).
func encodeMetadata(m gatehouse.Metadata) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode metadata: %w", err)
	}
	return string(b), nil
}

// decodeMetadata parses stored metadata; numbers come back as json.Number
// with the text they were stored with.
func decodeMetadata(s string) (gatehouse.Metadata, error) {
	m := gatehouse.Metadata{}
	if s == "{}" {
		return m, nil // the common case, on the token-check path
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	return m, nil
}

// metadataText is the text a metadata value is compared as in list
// filters: strings as they are, anything else as its JSON text.
func metadataText(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode metadata value: %w", err)
	}
	return string(b), nil
}

// encodeAddress is the stored JSON text of a billing address (NULL for nil).
func encodeAddress(a *gatehouse.Address) (any, error) {
	if a == nil {
		return nil, nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode address: %w", err)
	}
	return string(b), nil
}

// decodeAddress parses a stored billing address.
func decodeAddress(v sql.NullString) (*gatehouse.Address, error) {
	if !v.Valid {
		return nil, nil
	}
	var a gatehouse.Address
	if err := json.Unmarshal([]byte(v.String), &a); err != nil {
		return nil, fmt.Errorf("decode address: %w", err)
	}
	return &a, nil
}
