package gatehouse

import (
	"slices"
	"strings"
	"testing"
)

func TestValidSlug(t *testing.T) {
	tests := []struct {
		slug string
		want bool
	}{
		{"acme", true},
		{"acme-inc", true},
		{"a", true},
		{"0day", true},
		{"acme-", true}, // accepted by org create since the start: must keep resolving
		{"a--b", true},
		{strings.Repeat("a", MaxSlugLen), true},
		{"", false},
		{strings.Repeat("a", MaxSlugLen+1), false},
		{"-acme", false},
		{"Acme", false}, // one organization, one URL
		{"acme_inc", false},
		{"acme inc", false},
		{"acme.inc", false},
		{"acme/portal", false},
		{"%2F%2Fevil.example", false},
		{"..", false},
		{"ac\u00e9me", false},
		{"acme\x00", false},
	}
	for _, tt := range tests {
		if got := ValidSlug(tt.slug); got != tt.want {
			t.Errorf("ValidSlug(%q): got %v, want %v", tt.slug, got, tt.want)
		}
	}
}

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
