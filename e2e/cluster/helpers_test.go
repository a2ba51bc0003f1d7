package cluster

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// Messages of the contract's uniqueness errors (§C.2).
const (
	msgEmailTaken      = "A customer with this email address already exists."
	msgExternalIDTaken = "A customer with this external ID already exists."
)

// mustSession mints a customer session through c and hides its token.
func (d *deployment) mustSession(t *testing.T, c *client.Client, customerID string) *client.CustomerSession {
	t.Helper()
	s, err := c.CreateCustomerSession(context.Background(), apitype.CustomerSessionCreate{CustomerID: customerID})
	if err != nil {
		t.Fatalf("create session for %s on %s: %v", customerID, c.BaseURL(), err)
	}
	d.Hide(s.Token)
	return s
}

// revokeSession is DELETE /v1/customer-sessions/{id}. routeMissing is true
// when the build has no such route (a bare framework 404, not the
// contract's ResourceNotFound).
func revokeSession(ctx context.Context, c *client.Client, id string) (routeMissing bool, err error) {
	err = c.Do(ctx, http.MethodDelete, "/v1/customer-sessions/"+id, nil, nil, nil)
	var e *client.Error
	if errors.As(err, &e) && (e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusMethodNotAllowed) && e.Code == "" {
		return true, err
	}
	return false, err
}

// wantInvalidToken fails t unless err is the contract's 401 invalid_token
// (with its WWW-Authenticate header) and, when reason is not empty, carries
// that reason.
func wantInvalidToken(t *testing.T, err error, reason, what string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: got %v, want 401 invalid_token", what, err)
		return
	}
	if e.StatusCode != http.StatusUnauthorized || e.Code != "invalid_token" {
		t.Errorf("%s: got %d %s (%s), want 401 invalid_token", what, e.StatusCode, e.Code, e.Body)
		return
	}
	if !strings.Contains(e.WWWAuthenticate, `error="invalid_token"`) {
		t.Errorf("%s: WWW-Authenticate %q lacks error=\"invalid_token\"", what, e.WWWAuthenticate)
	}
	if reason != "" && e.Reason != reason {
		t.Errorf("%s: got reason %q, want %q", what, e.Reason, reason)
	}
}

// uniqueError returns the single contract uniqueness error of a 422 answer
// (its msg, loc and input), or ok false when err is anything else.
func uniqueError(err error) (fe apitype.ValidationError, ok bool) {
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusUnprocessableEntity ||
		e.Code != "PolarRequestValidationError" || len(e.Fields) != 1 {
		return fe, false
	}
	return e.Fields[0], true
}

// describe renders an API error for a failure message.
func describe(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.Error() + " body=" + string(e.Body)
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// listAll lists the first hundred customers.
var listAll = client.ListCustomersParams{Limit: 100}
