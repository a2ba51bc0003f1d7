package gatehouse

import (
	"encoding/json"
	"time"
)

// Customer types.
const (
	CustomerIndividual = "individual"
	CustomerTeam       = "team"
)

// Customer is an end customer of an organization.
type Customer struct {
	ID             string
	OrganizationID string
	CreatedAt      time.Time
	ModifiedAt     *time.Time
	DeletedAt      *time.Time
	// Metadata maps keys to string, json.Number or bool values.
	Metadata      Metadata
	ExternalID    *string
	Email         *string // normalized; nil only for team customers
	EmailVerified bool
	Type          string
	Name          *string
	// BillingName is the stored billing name; use EffectiveBillingName for output.
	BillingName    *string
	BillingAddress *Address
	TaxID          *TaxID
	Locale         *string
}

// EffectiveBillingName is the stored billing name, else the name.
func (c *Customer) EffectiveBillingName() *string {
	if c.BillingName != nil {
		return c.BillingName
	}
	return c.Name
}

// Address is a billing address. Country is ISO 3166-1 alpha-2; State, for US
// and CA, is an ISO 3166-2 code such as "US-CA".
type Address struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    string  `json:"country"`
}

// TaxID is a validated, normalized tax number with its format, such as
// {"FR61954506077", "eu_vat"}. On the wire it is a two-element array.
type TaxID struct {
	Number string
	Format string
}

// MarshalJSON encodes t as ["number","format"].
func (t TaxID) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]string{t.Number, t.Format})
}

// UnmarshalJSON decodes ["number","format"].
func (t *TaxID) UnmarshalJSON(b []byte) error {
	var a [2]string
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	t.Number, t.Format = a[0], a[1]
	return nil
}

// Metadata is a customer's or session's key-value map. Values are string,
// json.Number or bool.
type Metadata map[string]any

// Sort keys for customer lists.
const (
	SortCreatedAt = "created_at"
	SortEmail     = "email"
	SortName      = "name"
)

// SortField is one sorting criterion.
type SortField struct {
	Field string // SortCreatedAt, SortEmail or SortName
	Desc  bool
}

// Page selects a page of a list; Page starts at 1, Limit is already capped.
type Page struct {
	Page  int
	Limit int
}

// Offset returns the row offset of the page.
func (p Page) Offset() int { return (p.Page - 1) * p.Limit }

// CustomerFilter narrows a customer list. Empty fields do not filter.
type CustomerFilter struct {
	// OrganizationIDs, when non-empty, must contain the caller's organization
	// for anything to match (a filter on another organization yields nothing).
	OrganizationIDs []string
	Email           string // exact, case-insensitive
	// Query is a case-insensitive substring of email, name or billing name,
	// or a case-insensitive prefix of the external ID.
	Query string
	// Metadata: every key must match one of its values (values of one key
	// are OR-ed, keys AND-ed), compared with the stored value as text:
	// strings as they are, numbers and booleans by their JSON text ("3",
	// "1.5", "true").
	Metadata map[string][]string
	// Active filters on having an active subscription. Gatehouse has no
	// subscriptions: true matches nothing, false everything.
	Active  *bool
	Sorting []SortField // default -created_at
	Page    Page
}
