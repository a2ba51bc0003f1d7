// Package validate checks and normalizes the request fields of the Polar
// contract (emails, locales, addresses, tax IDs, metadata, return URLs and
// UUIDs) and reports problems as gatehouse.FieldError values worded exactly
// as Polar's pydantic models word them.
//
// Every function takes loc, the location of the value (for example
// []any{"body", "individual", "email"}); errors carry a copy of it, never
// the caller's slice. The package imports only the standard library and the
// root package.
package validate

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// msgInvalidChars is pydantic's wording for a custom validator that rejects NUL.
const msgInvalidChars = "Value error, This value contains invalid characters"

// at returns a fresh copy of loc with more appended, so that errors never
// alias the caller's slice.
func at(loc []any, more ...any) []any {
	out := make([]any, 0, len(loc)+len(more))
	out = append(out, loc...)
	return append(out, more...)
}

// errorCtx is the ctx pydantic emits for a Python exception raised by a
// custom validator: the exception serializes as an empty object.
func errorCtx() map[string]any { return map[string]any{"error": map[string]any{}} }

// valueError builds a custom-validator error ("Value error, ...").
func valueError(loc []any, msg string, input any) *gatehouse.FieldError {
	return &gatehouse.FieldError{Type: "value_error", Loc: at(loc), Msg: msg, Input: input, Ctx: errorCtx()}
}

// NUL reports a NUL-character error for s, or nil when s has none.
func NUL(loc []any, s string) *gatehouse.FieldError {
	if strings.IndexByte(s, 0) < 0 {
		return nil
	}
	return valueError(loc, msgInvalidChars, s)
}

// TrimOrNil trims surrounding white space from s and returns nil when
// nothing is left, the contract's "trim, then empty → null" rule.
func TrimOrNil(s string) *string {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil
	}
	return &t
}

// MaxLen reports a string_too_long error when s has more than max
// characters (runes, as Python counts them), else nil.
func MaxLen(loc []any, s string, max int) *gatehouse.FieldError {
	if utf8.RuneCountInString(s) <= max {
		return nil
	}
	return tooLong(loc, s, max)
}

func tooLong(loc []any, s string, max int) *gatehouse.FieldError {
	return &gatehouse.FieldError{
		Type: "string_too_long", Loc: at(loc), Input: s,
		Msg: "String should have at most " + strconv.Itoa(max) + " characters",
		Ctx: map[string]any{"max_length": max},
	}
}

func tooShort(loc []any, s string, min int) *gatehouse.FieldError {
	unit := " characters"
	if min == 1 {
		unit = " character"
	}
	return &gatehouse.FieldError{
		Type: "string_too_short", Loc: at(loc), Input: s,
		Msg: "String should have at least " + strconv.Itoa(min) + unit,
		Ctx: map[string]any{"min_length": min},
	}
}
