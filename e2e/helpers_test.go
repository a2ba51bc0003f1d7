package e2e

import (
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// mustAPIError requires err to be a *client.Error with the status and
// "error" code given, and returns it.
func mustAPIError(t *testing.T, err error, status int, code string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got error %v (%T), want HTTP %d %s", err, err, status, code)
	}
	if e.StatusCode != status || e.Code != code {
		t.Fatalf("got HTTP %d %q (body %s), want %d %q", e.StatusCode, e.Code, e.Body, status, code)
	}
	return e
}

// mustFieldError requires a 422 whose detail has an item at loc.
func mustFieldError(t *testing.T, err error, code string, loc ...any) {
	t.Helper()
	e := mustAPIError(t, err, 422, code)
	for _, f := range e.Fields {
		if reflect.DeepEqual(f.Loc, loc) {
			return
		}
	}
	t.Fatalf("422 detail %s has no item at loc %v", e.Body, loc)
}

var uniq atomic.Int64

// email returns a fresh address in a test-specific namespace.
func email(tag string) string { return fmt.Sprintf("%s-%d@example.com", tag, uniq.Add(1)) }

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func ids(cs []apitype.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}
