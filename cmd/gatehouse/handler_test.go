package main

import "testing"

func TestIsPortalPath(t *testing.T) {
	tests := map[string]bool{
		"/acme/portal":                   true,
		"/acme/portal/":                  true,
		"/acme/portal/authenticate/code": true,
		"/acme/portal/static/portal.css": true,
		"/v1/portal":                     false,
		"/api/portal":                    false,
		"/v1/customers/":                 false,
		"/api/v1/customers/":             false,
		"/healthz":                       false,
		"/acme/portalx":                  false,
		"/acme":                          false,
		"//portal":                       false,
		"/":                              false,
		"":                               false,
	}
	for p, want := range tests {
		if got := isPortalPath(p); got != want {
			t.Errorf("isPortalPath(%q) = %v, want %v", p, got, want)
		}
	}
}
