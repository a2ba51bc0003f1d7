package validate

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// UUID4 parses s as pydantic's UUID4 does (the Rust uuid crate's
// parse_str: simple, hyphenated, {braced} or urn:uuid: forms, any case)
// and returns the lower-case hyphenated form. Errors are uuid_parsing with
// the crate's detail text, or uuid_version when the version nibble is not 4.
func UUID4(loc []any, s string) (string, *gatehouse.FieldError) {
	hex, ok := uuidHex(s)
	if !ok {
		detail := uuidDetail(s)
		return "", &gatehouse.FieldError{
			Type: "uuid_parsing", Loc: at(loc), Msg: "Input should be a valid UUID, " + detail,
			Input: s, Ctx: map[string]any{"error": detail},
		}
	}
	hex = strings.ToLower(hex)
	if hex[12] != '4' {
		return "", &gatehouse.FieldError{
			Type: "uuid_version", Loc: at(loc), Msg: "UUID version 4 expected",
			Input: s, Ctx: map[string]any{"expected_version": 4},
		}
	}
	return hex[:8] + "-" + hex[8:12] + "-" + hex[12:16] + "-" + hex[16:20] + "-" + hex[20:], nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// uuidHex returns the 32 hex digits of s when it is one of the accepted forms.
func uuidHex(s string) (string, bool) {
	switch {
	case len(s) == 32:
		return s, allHex(s)
	case len(s) == 36:
		return hyphenated(s)
	case len(s) == 38 && s[0] == '{' && s[37] == '}':
		return hyphenated(s[1:37])
	case len(s) == 45 && strings.HasPrefix(s, "urn:uuid:"):
		return hyphenated(s[9:])
	}
	return "", false
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func hyphenated(s string) (string, bool) {
	if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", false
	}
	h := s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	return h, allHex(h)
}

// uuidDetail explains why s is not a UUID, worded like the uuid crate's
// InvalidUuid::into_err (indexes are 1-based byte offsets).
func uuidDetail(s string) string {
	if !utf8.ValidString(s) {
		return "non-UTF8 input"
	}
	body, offset, simple := s, 0, true
	switch {
	case len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}':
		body, offset, simple = s[1:len(s)-1], 1, false
	case strings.HasPrefix(s, "urn:uuid:"):
		body, offset, simple = s[9:], 9, false
	}
	hyphens := 0
	var bounds [4]int
	for i, r := range body {
		if r >= utf8.RuneSelf || (r != '-' && !isHex(byte(r))) {
			return fmt.Sprintf("invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `%c` at %d", r, i+offset+1)
		}
		if r == '-' {
			if hyphens < 4 {
				bounds[hyphens] = i
			}
			hyphens++
		}
	}
	if hyphens == 0 && simple {
		return fmt.Sprintf("invalid length: expected length 32 for simple format, found %d", len(s))
	}
	if hyphens != 4 {
		return fmt.Sprintf("invalid group count: expected 5, found %d", hyphens+1)
	}
	starts := [5]int{0, 9, 14, 19, 24}
	expected := [5]int{8, 4, 4, 4, 12}
	for i := 0; i < 4; i++ {
		if bounds[i] != starts[i+1]-1 {
			return fmt.Sprintf("invalid group length in group %d: expected %d, found %d", i, expected[i], bounds[i]-starts[i])
		}
	}
	return fmt.Sprintf("invalid group length in group 4: expected 12, found %d", len(s)-starts[4])
}
