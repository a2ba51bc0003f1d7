package apitype

// WebhookEndpoint is where an organization receives its webhooks. Secret
// is returned on every read, as Polar does.
type WebhookEndpoint struct {
	CreatedAt      Time     `json:"created_at"`
	ModifiedAt     *Time    `json:"modified_at"`
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Name           *string  `json:"name"`
	Format         string   `json:"format"`
	Secret         string   `json:"secret"`
	OrganizationID string   `json:"organization_id"`
	Events         []string `json:"events"`
	Enabled        bool     `json:"enabled"`
}

// WebhookEvent is one event for one endpoint. Payload is the exact JSON
// that is signed and sent; null once archived.
type WebhookEvent struct {
	CreatedAt    Time    `json:"created_at"`
	ModifiedAt   *Time   `json:"modified_at"`
	ID           string  `json:"id"`
	LastHTTPCode *int    `json:"last_http_code"`
	Succeeded    *bool   `json:"succeeded"`
	Skipped      bool    `json:"skipped"`
	Payload      *string `json:"payload"`
	Type         string  `json:"type"`
	IsArchived   bool    `json:"is_archived"`
}

// WebhookDelivery is one attempt to deliver an event. HTTPCode is null
// when the endpoint was unreachable, and Response then holds the error.
type WebhookDelivery struct {
	CreatedAt    Time         `json:"created_at"`
	ModifiedAt   *Time        `json:"modified_at"`
	ID           string       `json:"id"`
	Succeeded    bool         `json:"succeeded"`
	HTTPCode     *int         `json:"http_code"`
	Response     *string      `json:"response"`
	WebhookEvent WebhookEvent `json:"webhook_event"`
}

// WebhookEndpointCreate is the body of POST /v1/webhooks/endpoints.
type WebhookEndpointCreate struct {
	URL            string   `json:"url"`
	Name           *string  `json:"name,omitempty"`
	Format         string   `json:"format"`
	Events         []string `json:"events"`
	OrganizationID *string  `json:"organization_id,omitempty"`
}

// WebhookEndpointUpdate is the body of PATCH /v1/webhooks/endpoints/{id}.
// Only non-nil fields are sent (the server treats null as unchanged too).
type WebhookEndpointUpdate struct {
	URL     *string   `json:"url,omitempty"`
	Name    *string   `json:"name,omitempty"`
	Format  *string   `json:"format,omitempty"`
	Events  *[]string `json:"events,omitempty"`
	Enabled *bool     `json:"enabled,omitempty"`
}
