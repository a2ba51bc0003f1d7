package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
)

const (
	defaultTimeout = 30 * time.Second
	// maxBody bounds how much of a response the client reads.
	maxBody = 64 << 20
)

// Error is a non-2xx answer from the server. Use errors.As to get it:
//
//	var e *client.Error
//	if errors.As(err, &e) && e.StatusCode == http.StatusNotFound { ... }
type Error struct {
	// Method and Path name the request (the path without query string).
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Body is the raw response body.
	Body []byte
	// Code is the body's "error" key, such as "ResourceNotFound",
	// "invalid_token", "insufficient_scope" or "RequestValidationError";
	// empty when there is none (a route 404 or a 429).
	Code string
	// Detail is the body's "detail" when it is a string, else its
	// "error_description" (401 invalid_token, 403 insufficient_scope).
	Detail string
	// Fields is the body's "detail" when it is a list of validation errors
	// (422 answers).
	Fields []apitype.ValidationError
	// Reason is the body's "reason" key on 401 invalid_token answers
	// ("expired", "revoked", "unknown", "malformed"), when the server sends one.
	Reason string
	// RetryAfter is the Retry-After header of a 429 answer.
	RetryAfter time.Duration
	// WWWAuthenticate is the WWW-Authenticate header of a 401 or 403 answer.
	WWWAuthenticate string
}

// Error describes the failure without repeating credentials.
func (e *Error) Error() string {
	msg := e.Detail
	if msg == "" && len(e.Fields) > 0 {
		msg = fmt.Sprintf("%s at %v", e.Fields[0].Msg, e.Fields[0].Loc)
		if len(e.Fields) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(e.Fields)-1)
		}
	}
	code := e.Code
	if code == "" {
		code = http.StatusText(e.StatusCode)
	}
	if msg == "" {
		return fmt.Sprintf("gatehouse: %s %s: %d %s", e.Method, e.Path, e.StatusCode, code)
	}
	return fmt.Sprintf("gatehouse: %s %s: %d %s: %s", e.Method, e.Path, e.StatusCode, code, msg)
}

// errorBody is every shape of error body the server sends.
type errorBody struct {
	Error            string          `json:"error"`
	Detail           json.RawMessage `json:"detail"`
	ErrorDescription string          `json:"error_description"`
	Reason           string          `json:"reason"`
}

func newError(method, path string, resp *http.Response, body []byte) *Error {
	e := &Error{
		Method:          method,
		Path:            path,
		StatusCode:      resp.StatusCode,
		Body:            body,
		WWWAuthenticate: resp.Header.Get("WWW-Authenticate"),
	}
	e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return e
	}
	e.Code, e.Reason, e.Detail = eb.Error, eb.Reason, eb.ErrorDescription
	if len(eb.Detail) > 0 {
		var s string
		if json.Unmarshal(eb.Detail, &s) == nil {
			e.Detail = s
		} else {
			_ = json.Unmarshal(eb.Detail, &e.Fields)
		}
	}
	return e
}

// retryAfter parses a Retry-After header: seconds, or an HTTP date
// (relative to now). Anything else, or a date in the past, is 0.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now).Round(time.Second), 0)
	}
	return 0
}

// StatusCode returns the HTTP status of err when it is (or wraps) a *Error,
// and 0 otherwise.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsInvalidToken reports whether err is a 401 invalid_token answer: the
// token is unknown, expired, revoked, malformed or its customer is gone.
func IsInvalidToken(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusUnauthorized && e.Code == "invalid_token"
}

// IsRateLimited reports whether err is a 429 answer; its *Error's
// RetryAfter says how long to wait.
func IsRateLimited(err error) bool { return StatusCode(err) == http.StatusTooManyRequests }

// IsCodeInvalid reports whether err is the 401 answer to a wrong, used or
// expired login code.
func IsCodeInvalid(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.StatusCode == http.StatusUnauthorized && e.Code == "CustomerSessionCodeInvalidOrExpired"
}
