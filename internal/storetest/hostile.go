package storetest

import (
	"testing"

	"github.com/gatehouse/gatehouse"
)

// HostileStrings are inputs that break naive SQL building, LIKE patterns
// or JSON handling. NUL bytes are left out: the HTTP layer rejects them.
var HostileStrings = []string{
	`'; DROP TABLE customers; --`,
	`" OR 1=1 --`,
	`\`, `\\'`, `%`, `_`, `%_%`, `?`, `$1`, `?;?`, `' || (SELECT 1) || '`,
	`{"a":1}`, `$.a`, `a"b`, "tab\tnew\nline", "ünïcødé ✓ 🔑", "ﬁ ß İ",
	`) OR (1=1`, `*/ /*`, `; VACUUM;`,
}

func testHostileStrings(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	plain := mustCustomer(t, s, org, "plain@example.com")
	var made []*gatehouse.Customer
	for i, h := range HostileStrings {
		c := newCustomer(org, uniq("h")+"@example.com")
		c.Name, c.BillingName, c.ExternalID = new(h), new(h), new(h)
		c.Metadata = gatehouse.Metadata{h: h, "i": h}
		mustOK(t, s.CreateCustomer(ctx, c), "create with hostile strings")
		got, err := s.CustomerByExternalID(ctx, org.ID, h)
		mustOK(t, err, "by hostile external id")
		sameCustomer(t, got, c, "hostile round trip")
		made = append(made, c)

		for _, f := range []gatehouse.CustomerFilter{
			{Query: h}, {Email: h}, {Metadata: map[string][]string{h: {h}}}, {Metadata: map[string][]string{"i": {h, "x"}}},
		} {
			ids, total := listIDs(t, s, org.ID, f)
			for _, id := range ids {
				if id == plain.ID {
					t.Fatalf("filter %+v (input %d) matched an unrelated customer", f, i)
				}
			}
			if f.Email == "" && total < 1 {
				t.Fatalf("filter %+v (input %d): got no match, want the customer carrying it", f, i)
			}
		}
		_, err = s.CustomerByEmail(ctx, org.ID, h)
		wantCode(t, err, gatehouse.ENotFound, "hostile email lookup")
		_, _, err = s.SessionByHash(ctx, []string{h})
		wantCode(t, err, gatehouse.ENotFound, "hostile session hash")
		_, err = s.OrganizationBySlug(ctx, h)
		wantCode(t, err, gatehouse.ENotFound, "hostile slug")
	}
	// Every table is intact.
	_, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{})
	if total != len(made)+1 {
		t.Fatalf("customers after hostile inputs: got %d, want %d", total, len(made)+1)
	}
	mustSession(t, s, plain, T0)
	mustCode(t, s, plain, "hostile-code", T0, 5)
}
