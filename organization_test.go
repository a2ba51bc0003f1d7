package gatehouse

import (
	"slices"
	"testing"
)

func TestParseScopesWebhooks(t *testing.T) {
	got, err := ParseScopes("webhooks:read,webhooks:write customers:read")
	want := []Scope{ScopeWebhooksRead, ScopeWebhooksWrite, ScopeCustomersRead}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseScopes = %v, %v; want %v", got, err, want)
	}
	if _, err := ParseScopes("webhooks:admin"); ErrorCodeOf(err) != EInvalid {
		t.Errorf("ParseScopes(webhooks:admin) = %v, want EInvalid", err)
	}
}
