package openapitest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/token"
)

// The response schemas require every key and forbid others, so a wire value
// that validates has exactly the schema's keys: these tests hold the
// document to apitype in both directions.

const (
	testUUID  = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
	testUUID2 = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
)

var testNow = time.Date(2026, 8, 22, 10, 0, 0, 123456000, time.UTC)

// fullCustomer has every nullable field set.
func fullCustomer() apitype.Customer {
	now := apitype.NewTime(testNow)
	return apitype.Customer{
		ID: testUUID, CreatedAt: now, ModifiedAt: &now,
		Metadata:   map[string]any{"s": "v", "i": 3, "f": 1.5, "b": true},
		ExternalID: new("usr_1"), Email: new("jane@example.com"), EmailVerified: true, Type: "individual",
		Name: new("Jane"), BillingName: new("Jane"),
		BillingAddress: &apitype.Address{Line1: new("1 Main St"), Line2: new("x"), PostalCode: new("94104"),
			City: new("SF"), State: new("US-CA"), Country: "US"},
		TaxID: &[2]string{"911144442", "us_ein"}, Locale: new("en-US"), OrganizationID: testUUID2,
		DefaultPaymentMethodID: new(testUUID), DeletedAt: &now, FirstUserEventAt: &now,
		AvatarURL: new("https://www.gravatar.com/avatar/x?d=404"),
	}
}

// bareCustomer has every nullable field null.
func bareCustomer() apitype.Customer {
	return apitype.Customer{ID: testUUID, CreatedAt: apitype.NewTime(testNow), Metadata: map[string]any{},
		Type: "team", OrganizationID: testUUID2}
}

func mustValidate(t *testing.T, ref string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: marshal: %v", ref, err)
	}
	if err := Validate(ref, b); err != nil {
		t.Errorf("%s: %s\ndoes not validate: %v", ref, b, err)
	}
}

func TestResponseSchemasMirrorAPITypes(t *testing.T) {
	now := apitype.NewTime(testNow)
	cst := token.New(token.PrefixSession)
	org := apitype.CustomerOrganization{CreatedAt: now, ID: testUUID, Name: "Acme", Slug: "acme",
		ProrationBehavior: "prorate", AllowCustomerUpdates: true}
	for _, tc := range []struct {
		ref string
		v   any
	}{
		{"Customer", fullCustomer()},
		{"Customer", bareCustomer()},
		{"CustomerState", apitype.CustomerState{Customer: fullCustomer(), ActiveSubscriptions: []any{}, GrantedBenefits: []any{}, ActiveMeters: []any{}}},
		{"ListResourceCustomer", apitype.List[apitype.Customer]{Items: []apitype.Customer{fullCustomer(), bareCustomer()}, Pagination: apitype.Pagination{TotalCount: 2, MaxPage: 1}}},
		{"ListResourceCustomer", apitype.List[apitype.Customer]{Items: []apitype.Customer{}}},
		{"CustomerSession", apitype.CustomerSession{CreatedAt: now, ID: testUUID, Token: cst, ExpiresAt: now,
			ReturnURL: new("https://e.com/"), CustomerPortalURL: "http://127.0.0.1:8080/acme/portal?customer_session_token=" + cst,
			CustomerID: testUUID2, Customer: fullCustomer(), Metadata: map[string]any{"k": 1}}},
		{"CustomerSessionInfo", apitype.SessionInfo{ID: testUUID, CreatedAt: now, ModifiedAt: &now, ExpiresAt: now,
			RevokedAt: &now, RevokedReason: new("logout"), LastUsedAt: &now, LastUsedIP: new("127.0.0.1"),
			LastUsedUserAgent: new("curl"), ReturnURL: new("https://e.com/"), Metadata: map[string]any{}, CustomerID: testUUID2}},
		{"ListResourceCustomerSessionInfo", apitype.List[apitype.SessionInfo]{Items: []apitype.SessionInfo{
			{ID: testUUID, CreatedAt: now, ExpiresAt: now, Metadata: map[string]any{}, CustomerID: testUUID2}}}},
		{"CustomerSessionRevokeResult", apitype.RevokeResult{Revoked: 3}},
		{"CustomerPortalCustomer", apitype.PortalCustomer{CreatedAt: now, ID: testUUID, Email: new("a@b.co"),
			BillingAddress: &apitype.Address{Country: "FR"}, TaxID: &[2]string{"FR61954506077", "eu_vat"},
			OAuthAccounts: map[string]apitype.OAuthAccount{"github:1": {AccountID: "1"}}, Type: new("individual")}},
		{"CustomerPortalCustomer", apitype.PortalCustomer{CreatedAt: now, ID: testUUID, OAuthAccounts: map[string]apitype.OAuthAccount{}}},
		{"CustomerCustomerSession", apitype.CustomerCustomerSession{ExpiresAt: now, OrganizationID: testUUID}},
		{"PortalAuthenticatedUser", apitype.PortalUser{Type: "customer", Email: new("a@b.co"), CustomerID: testUUID}},
		{"CustomerOrganizationData", apitype.CustomerOrganizationData{Organization: org, Products: []any{}}},
		{"CustomerSessionCodeAuthenticateResponse", apitype.AuthenticateResponse{Token: cst}},
		{"WebhookEndpoint", webhookEndpoint(now)},
		{"ListResourceWebhookEndpoint", apitype.List[apitype.WebhookEndpoint]{Items: []apitype.WebhookEndpoint{webhookEndpoint(now)}}},
		{"ListResourceWebhookDelivery", apitype.List[apitype.WebhookDelivery]{Items: []apitype.WebhookDelivery{
			{CreatedAt: now, ID: testUUID, Succeeded: true, HTTPCode: new(200), Response: new("ok"), WebhookEvent: apitype.WebhookEvent{
				CreatedAt: now, ModifiedAt: &now, ID: testUUID2, LastHTTPCode: new(200), Succeeded: new(true), Payload: new("{}"), Type: "customer.created"}},
			{CreatedAt: now, ID: testUUID, Response: new("dial tcp: refused"), WebhookEvent: apitype.WebhookEvent{
				CreatedAt: now, ID: testUUID2, Type: "order.created", IsArchived: true}}}}},
		{"WebhookCustomerCreatedPayload", map[string]any{"type": "customer.created", "timestamp": now, "data": fullCustomer()}},
		{"WebhookCustomerStateChangedPayload", map[string]any{"type": "customer.state_changed", "timestamp": now,
			"data": apitype.CustomerState{Customer: fullCustomer(), ActiveSubscriptions: []any{}, GrantedBenefits: []any{}, ActiveMeters: []any{}}}},
		{"WebhookCustomerSessionRevokedPayload", map[string]any{"type": "customer_session.revoked", "timestamp": now,
			"data": apitype.SessionInfo{ID: testUUID, CreatedAt: now, ExpiresAt: now, RevokedAt: &now, RevokedReason: new("revoked"), Metadata: map[string]any{}, CustomerID: testUUID2}}},
		{"ValidationError", apitype.ValidationError{Type: "missing", Loc: []any{"body", "email"}, Msg: "Field required"}},
		{"ValidationError", apitype.ValidationError{Type: "enum", Loc: []any{"query", "sorting", 0}, Msg: "m", Input: "x", Ctx: map[string]any{"a": 1}}},
	} {
		mustValidate(t, tc.ref, tc.v)
	}
}

func TestResponseSchemasRejectDrift(t *testing.T) {
	good, _ := json.Marshal(fullCustomer())
	for _, tc := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"missing key", func(m map[string]any) { delete(m, "avatar_url") }, `at '': missing property 'avatar_url'`},
		{"extra key", func(m map[string]any) { m["member_id"] = nil }, `at '': additional properties 'member_id' not allowed`},
		{"bad enum", func(m map[string]any) { m["type"] = "company" }, `at '/type': value must be one of 'individual', 'team'`},
		{"wrong type", func(m map[string]any) { m["email_verified"] = "true" }, `at '/email_verified': got string, want boolean`},
		{"naive timestamp", func(m map[string]any) { m["created_at"] = "2026-08-22T10:00:00" }, `at '/created_at': '2026-08-22T10:00:00' is not valid date-time`},
		{"bad uuid", func(m map[string]any) { m["organization_id"] = "org_1" }, `at '/organization_id': 'org_1' is not valid uuid`},
		{"null metadata", func(m map[string]any) { m["metadata"] = nil }, `at '/metadata': got null, want object`},
		{"nested metadata", func(m map[string]any) { m["metadata"] = map[string]any{"k": []any{1}} }, `at '/metadata/k': got array, want`},
		{"short tax id", func(m map[string]any) { m["tax_id"] = []any{"911144442"} }, `at '/tax_id'`},
		{"lower country", func(m map[string]any) { m["billing_address"].(map[string]any)["country"] = "us" }, `at '/billing_address/country': 'us' does not match pattern`},
	} {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		tc.edit(m)
		b, _ := json.Marshal(m)
		err := Validate("Customer", b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %s\ngot %v, want an error containing %q", tc.name, b, err, tc.want)
		}
	}
	bad := apitype.CustomerSession{Token: "polar_cst_abcdefghijklmnopqrstuvwxyzABCDEFGHIJK4WQsSZ"}
	b, _ := json.Marshal(bad)
	if err := Validate("CustomerSession", b); err == nil || !strings.Contains(err.Error(), "at '/token'") {
		t.Errorf("CustomerSession with a polar_cst_ token: got %v, want a /token problem", err)
	}
}

// TestRequestSchemasCoverAPITypes: every key the client sends is
// documented, and a full request validates.
func TestRequestSchemasCoverAPITypes(t *testing.T) {
	addr := &apitype.Address{Line1: new("1 Main St"), State: new("CA"), Country: "us"}
	md := map[string]any{"k": "v", "n": 1}
	for _, tc := range []struct {
		ref string
		v   any
	}{
		{"CustomerCreate", apitype.CustomerCreate{Type: "individual", Email: "a@b.co", Name: new("A"), ExternalID: new("x"),
			BillingAddress: addr, TaxID: new("911144442"), Locale: new("en"), Metadata: md, OrganizationID: new(testUUID)}},
		{"CustomerUpdate", apitype.CustomerUpdate{Email: new("a@b.co"), Name: new("A"), ExternalID: new("x"),
			BillingAddress: addr, TaxID: new("1"), Locale: new("en"), Metadata: md, Type: new("team")}},
		{"CustomerUpdateExternalID", apitype.CustomerUpdate{Email: new("a@b.co"), Name: new("A"),
			BillingAddress: addr, TaxID: new("1"), Locale: new("en"), Metadata: md}},
		{"CustomerSessionCreate", apitype.CustomerSessionCreate{CustomerID: testUUID, ExternalCustomerID: "x",
			ReturnURL: new("https://e.com"), ExpiresIn: new(60), Metadata: md}},
		{"CustomerSessionRevoke", apitype.CustomerSessionRevoke{CustomerID: testUUID, ExternalCustomerID: "x"}},
		{"CustomerPortalCustomerUpdate", apitype.PortalCustomerUpdate{BillingName: new("B"), BillingAddress: addr, TaxID: new("1")}},
		{"CustomerSessionCodeRequest", apitype.CodeRequest{Email: "a@b.co", OrganizationID: testUUID}},
		{"CustomerSessionCodeAuthenticate", apitype.CodeAuthenticate{Code: "A1B2C3"}},
		{"WebhookEndpointCreate", apitype.WebhookEndpointCreate{URL: "https://e.com/h", Name: new("n"), Format: "raw",
			Events: []string{"customer.created", "order.created"}, OrganizationID: new(testUUID)}},
		{"WebhookEndpointUpdate", apitype.WebhookEndpointUpdate{URL: new("https://e.com/h"), Name: new("n"), Format: new("slack"),
			Events: &[]string{}, Enabled: new(false)}},
	} {
		mustValidate(t, tc.ref, tc.v)
		b, _ := json.Marshal(tc.v)
		var m map[string]any
		json.Unmarshal(b, &m) //nolint:errcheck // we just marshalled it
		props, err := resolveRef(mustDoc(t), "#/components/schemas/"+tc.ref+"/properties")
		if err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if _, ok := props.(map[string]any)[k]; !ok {
				t.Errorf("%s: apitype sends %q, which the schema does not document", tc.ref, k)
			}
		}
	}
}

func TestRequestSchemasRejectBadBodies(t *testing.T) {
	long := strings.Repeat("x", 41)
	for _, tc := range []struct{ ref, body string }{
		{"CustomerCreate", `{}`},
		{"CustomerCreate", `{"type":"individual","name":"a"}`},
		{"CustomerCreate", `{"email":"a@b.co","metadata":{"` + long + `":1}}`},
		{"CustomerCreate", `{"email":"a@b.co","metadata":{"k":""}}`},
		{"CustomerCreate", `{"email":"a@b.co","metadata":{"k":null}}`},
		{"CustomerSessionCreate", `{"return_url":"https://e.com/"}`},
		{"CustomerSessionCreate", `{"customer_id":"x"}`},
		{"CustomerSessionCreate", `{"customer_id":"` + testUUID + `","expires_in":0}`},
		{"CustomerSessionRevoke", `{}`},
		{"CustomerSessionCodeRequest", `{"email":"a@b.co"}`},
		{"CustomerSessionCodeAuthenticate", `{}`},
	} {
		if err := Validate(tc.ref, []byte(tc.body)); err == nil {
			t.Errorf("Validate(%s, %s) = nil, want an error", tc.ref, tc.body)
		}
	}
	// Team customers need no email.
	if err := Validate("CustomerCreate", []byte(`{"type":"team"}`)); err != nil {
		t.Errorf("team without email: %v", err)
	}
}

func webhookEndpoint(now apitype.Time) apitype.WebhookEndpoint {
	return apitype.WebhookEndpoint{CreatedAt: now, ModifiedAt: &now, ID: testUUID, URL: "https://e.com/", Name: new("main"),
		Format: "raw", Secret: "whsec_x", OrganizationID: testUUID2, Events: []string{"customer.created", "customer_session.created"}, Enabled: true}
}
