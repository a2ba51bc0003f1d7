package loadgen

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/gatehouse/gatehouse/client"
)

// Class is how an operation's error counts.
type Class int

// The classes.
const (
	ClassOK         Class = iota // acknowledged
	ClassExpected                // a normal answer for the situation
	ClassUnexpected              // a bug or an outage
)

type expectedError struct{ err error }

func (e *expectedError) Error() string { return e.err.Error() }
func (e *expectedError) Unwrap() error { return e.err }

// Expected marks err as a normal outcome of an operation (for example a
// 404 because a concurrent delete won).
func Expected(err error) error {
	if err == nil {
		return nil
	}
	return &expectedError{err}
}

// Classify sorts err: nil is ClassOK; an error marked with Expected is
// ClassExpected; an error without any HTTP answer (refused, reset, EOF) is
// ClassExpected only when transportExpected is set; every other error,
// any 5xx and any 4xx the operation did not expect, is ClassUnexpected.
func Classify(err error, transportExpected bool) Class {
	var ee *expectedError
	switch {
	case err == nil:
		return ClassOK
	case errors.As(err, &ee):
		return ClassExpected
	case client.StatusCode(err) != 0:
		return ClassUnexpected
	case transportExpected && IsTransport(err):
		return ClassExpected
	}
	return ClassUnexpected
}

// IsTransport reports whether err is a failure to get any HTTP answer:
// connection refused or reset, a broken pipe, or an early EOF.
func IsTransport(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}
