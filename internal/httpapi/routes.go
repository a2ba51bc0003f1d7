package httpapi

import (
	"net/http"
	"slices"

	"github.com/gatehouse/gatehouse"
)

// AuthKind is the kind of subject a route accepts.
type AuthKind int

// The auth kinds. A bearer token of the wrong kind is treated as no token.
const (
	AuthNone         AuthKind = iota // public (a bad bearer token is still a 401)
	AuthOrganization                 // organization access token
	AuthCustomer                     // customer session token
)

// String returns "none", "organization" or "customer".
func (k AuthKind) String() string {
	switch k {
	case AuthOrganization:
		return "organization"
	case AuthCustomer:
		return "customer"
	}
	return "none"
}

// RouteInfo describes one route: its method, its Go 1.22 path pattern, the
// subject kind it accepts and the scopes of which a token needs at least one.
type RouteInfo struct {
	Method  string
	Pattern string
	Auth    AuthKind
	Scopes  []gatehouse.Scope
}

// handlerFunc is an HTTP handler that returns its error to writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

var (
	customersRead  = []gatehouse.Scope{gatehouse.ScopeCustomersRead, gatehouse.ScopeCustomersWrite}
	customersWrite = []gatehouse.Scope{gatehouse.ScopeCustomersWrite}
	sessionsRead   = []gatehouse.Scope{gatehouse.ScopeCustomerSessionsRead, gatehouse.ScopeCustomerSessionsWrite}
	sessionsWrite  = []gatehouse.Scope{gatehouse.ScopeCustomerSessionsWrite}
	portalRead     = []gatehouse.Scope{gatehouse.ScopeCustomerPortalRead, gatehouse.ScopeCustomerPortalWrite}
	portalWrite    = []gatehouse.Scope{gatehouse.ScopeCustomerPortalWrite}
	webhooksRead   = []gatehouse.Scope{gatehouse.ScopeWebhooksRead, gatehouse.ScopeWebhooksWrite}
	webhooksWrite  = []gatehouse.Scope{gatehouse.ScopeWebhooksWrite}
)

// secretScanPattern is the GitHub secret-scanning route, which exists only
// when keys are configured.
const secretScanPattern = "/v1/integrations/github/secret-scanning"

// routes is the whole API on one screen. Trailing slashes are significant
// (contract §1.1): the other spelling is answered with a 307 redirect. A
// literal segment beats a wildcard (router.go), so POST
// /v1/customer-sessions/revoke is never taken for /v1/customer-sessions/{id}.
func (s *Server) routes() []route {
	const org, cust, none = AuthOrganization, AuthCustomer, AuthNone
	rs := []route{
		{RouteInfo{"GET", "/healthz", none, nil}, s.healthz},
		{RouteInfo{"GET", "/readyz", none, nil}, s.readyz},
		{RouteInfo{"GET", "/openapi.json", none, nil}, s.openAPI},

		{RouteInfo{"GET", "/v1/customers/", org, customersRead}, s.listCustomers},
		{RouteInfo{"POST", "/v1/customers/", org, customersWrite}, s.createCustomer},
		{RouteInfo{"GET", "/v1/customers/export", org, customersRead}, s.exportCustomers},
		{RouteInfo{"GET", "/v1/customers/{id}", org, customersRead}, s.getCustomer},
		{RouteInfo{"PATCH", "/v1/customers/{id}", org, customersWrite}, s.updateCustomer},
		{RouteInfo{"DELETE", "/v1/customers/{id}", org, customersWrite}, s.deleteCustomer},
		{RouteInfo{"GET", "/v1/customers/{id}/state", org, customersRead}, s.customerState},
		{RouteInfo{"GET", "/v1/customers/external/{external_id}", org, customersRead}, s.getCustomer},
		{RouteInfo{"PATCH", "/v1/customers/external/{external_id}", org, customersWrite}, s.updateCustomer},
		{RouteInfo{"DELETE", "/v1/customers/external/{external_id}", org, customersWrite}, s.deleteCustomer},
		{RouteInfo{"GET", "/v1/customers/external/{external_id}/state", org, customersRead}, s.customerState},

		{RouteInfo{"GET", "/v1/customer-sessions/", org, sessionsRead}, s.listSessions},
		{RouteInfo{"POST", "/v1/customer-sessions/", org, sessionsWrite}, s.createSession},
		{RouteInfo{"POST", "/v1/customer-sessions/revoke", org, sessionsWrite}, s.revokeCustomerSessions},
		{RouteInfo{"GET", "/v1/customer-sessions/{id}", org, sessionsRead}, s.getSession},
		{RouteInfo{"DELETE", "/v1/customer-sessions/{id}", org, sessionsWrite}, s.revokeSession},

		// Polar spells the webhook routes without a trailing slash.
		{RouteInfo{"GET", "/v1/webhooks/endpoints", org, webhooksRead}, s.listWebhookEndpoints},
		{RouteInfo{"POST", "/v1/webhooks/endpoints", org, webhooksWrite}, s.createWebhookEndpoint},
		{RouteInfo{"GET", "/v1/webhooks/endpoints/{id}", org, webhooksRead}, s.getWebhookEndpoint},
		{RouteInfo{"PATCH", "/v1/webhooks/endpoints/{id}", org, webhooksWrite}, s.updateWebhookEndpoint},
		{RouteInfo{"DELETE", "/v1/webhooks/endpoints/{id}", org, webhooksWrite}, s.deleteWebhookEndpoint},
		{RouteInfo{"PATCH", "/v1/webhooks/endpoints/{id}/secret", org, webhooksWrite}, s.resetWebhookEndpointSecret},
		{RouteInfo{"GET", "/v1/webhooks/deliveries", org, webhooksRead}, s.listWebhookDeliveries},
		{RouteInfo{"POST", "/v1/webhooks/events/{id}/redeliver", org, webhooksWrite}, s.redeliverWebhookEvent},

		{RouteInfo{"GET", "/v1/customer-portal/customers/me", cust, portalRead}, s.portalMe},
		{RouteInfo{"PATCH", "/v1/customer-portal/customers/me", cust, portalWrite}, s.portalUpdateMe},
		{RouteInfo{"GET", "/v1/customer-portal/customer-session/introspect", cust, portalRead}, s.portalIntrospect},
		{RouteInfo{"GET", "/v1/customer-portal/customer-session/user", cust, portalRead}, s.portalUser},
		{RouteInfo{"DELETE", "/v1/customer-portal/customer-session", cust, portalWrite}, s.portalLogout},
		{RouteInfo{"POST", "/v1/customer-portal/customer-session/request", none, nil}, s.requestCode},
		{RouteInfo{"POST", "/v1/customer-portal/customer-session/authenticate", none, nil}, s.authenticateCode},
		{RouteInfo{"GET", "/v1/customer-portal/organizations/{slug}", none, nil}, s.portalOrganization},

		{RouteInfo{"POST", secretScanPattern, none, nil}, s.secretScanning},
	}
	if s.scanKeys == nil {
		// As if the route did not exist: 404 for every method.
		rs = slices.DeleteFunc(rs, func(r route) bool { return r.Pattern == secretScanPattern })
	}
	return rs
}
