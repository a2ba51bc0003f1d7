// Package gatehouse holds Gatehouse's domain: organizations, access tokens,
// customers, customer sessions and login codes, the errors the service speaks
// in, and the Store contract every storage backend implements.
//
// It imports only the standard library. Adapters (storage, HTTP, mail, the
// portal web pages) live under internal/ and are wired together in
// cmd/gatehouse.
package gatehouse

import (
	"errors"
	"fmt"
	"time"
)

// ErrorCode is the small closed set of domain error kinds. The HTTP layer maps
// each to a status and the contract's envelope.
type ErrorCode string

// The error codes.
const (
	EInvalid      ErrorCode = "invalid"      // request failed validation (422)
	ENotFound     ErrorCode = "not_found"    // resource does not exist or is not visible (404)
	EConflict     ErrorCode = "conflict"     // uniqueness rule broken (422 with field errors, or 409)
	EUnauthorized ErrorCode = "unauthorized" // no or bad credentials (401)
	EForbidden    ErrorCode = "forbidden"    // credentials lack a scope (403)
	ERateLimited  ErrorCode = "rate_limited" // too many requests (429)
	EUnavailable  ErrorCode = "unavailable"  // a dependency (the database) is down (503)
	EInternal     ErrorCode = "internal"     // anything else (500); the message is never shown
)

// Error is a domain error whose Message is safe to show to a caller.
type Error struct {
	Code    ErrorCode
	Message string
	// Fields lists every field problem of an EInvalid or EConflict error.
	Fields []FieldError
	// Schema is true when the problem is in the shape of the request (the
	// contract's RequestValidationError) rather than a business rule
	// (PolarRequestValidationError).
	Schema bool
	// RetryAfter tells an ERateLimited caller how long to wait.
	RetryAfter time.Duration
	// Err is the underlying cause, kept for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%d field errors, first %v: %s)", e.Code, e.Message, len(e.Fields), e.Fields[0].Loc, e.Fields[0].Msg)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// FieldError is one validation problem, in the contract's ValidationError
// shape: Type is a pydantic-style error type ("missing", "value_error", ...),
// Loc the path to the offending value ("body", "email").
type FieldError struct {
	Type  string         `json:"type"`
	Loc   []any          `json:"loc"`
	Msg   string         `json:"msg"`
	Input any            `json:"input"`
	Ctx   map[string]any `json:"ctx,omitempty"`
}

// Errorf returns an *Error with the given code and a formatted safe message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned by stores when a row does not exist or belongs to
// another organization. Check it with errors.Is or ErrorCodeOf.
var ErrNotFound = &Error{Code: ENotFound, Message: "Not found"}

// ErrUnavailable is returned by stores when the database cannot be reached.
var ErrUnavailable = &Error{Code: EUnavailable, Message: "The service is temporarily unavailable."}

// Is makes errors.Is(err, ErrNotFound) true for every *Error of the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCodeOf returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Invalid returns an EInvalid business-rule error carrying the field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EInvalid, Message: "Validation failed.", Fields: fields}
}

// InvalidSchema returns an EInvalid request-shape error carrying the field errors.
func InvalidSchema(fields ...FieldError) *Error {
	return &Error{Code: EInvalid, Message: "Validation failed.", Fields: fields, Schema: true}
}
