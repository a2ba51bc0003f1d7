package storetest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// listIDs lists with f (page 1, limit 100 unless set) and returns the IDs
// and total.
func listIDs(t *testing.T, s gatehouse.Store, orgID string, f gatehouse.CustomerFilter) ([]string, int) {
	t.Helper()
	if f.Page.Limit == 0 {
		f.Page = gatehouse.Page{Page: 1, Limit: 100}
	}
	list, total, err := s.ListCustomers(ctx, orgID, f)
	mustOK(t, err, "list customers")
	ids := []string{}
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return ids, total
}

// wantSet fails unless got holds exactly want, in any order.
func wantSet(t *testing.T, got []string, total int, want []string, what string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) || total != len(want) {
		t.Fatalf("%s: got %v (total %d), want %v", what, got, total, want)
	}
}

func testListFilters(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	mk := func(email, name, billing, ext string) string {
		c := newCustomer(org, email)
		c.Name, c.BillingName, c.ExternalID = new(name), new(billing), new(ext)
		if billing == "" {
			c.BillingName = nil
		}
		mustOK(t, s.CreateCustomer(ctx, c), "create")
		return c.ID
	}
	ada := mk("ada@lovelace.org", "Ada Lovelace", "", "USER_1")
	bob := mk("bob@example.com", "Bob 100% Real", "Zürich Widgets", "user-2")
	cy := mk("cy_x@example.com", "Cy", "", "other")
	gone := newCustomer(org, "ada2@lovelace.org")
	gone.DeletedAt = new(T0)
	mustOK(t, s.CreateCustomer(ctx, gone), "create deleted")

	tests := []struct {
		name string
		f    gatehouse.CustomerFilter
		want []string
	}{
		{"none", gatehouse.CustomerFilter{}, []string{ada, bob, cy}},
		{"email exact other case", gatehouse.CustomerFilter{Email: "ADA@Lovelace.org"}, []string{ada}},
		{"email is not a substring", gatehouse.CustomerFilter{Email: "ada@lovelace"}, []string{}},
		{"query email substring", gatehouse.CustomerFilter{Query: "LOVELACE.ORG"}, []string{ada}},
		{"query name substring", gatehouse.CustomerFilter{Query: "ob 1"}, []string{bob}},
		{"query billing name unicode case", gatehouse.CustomerFilter{Query: "ZÜRICH"}, []string{bob}},
		{"query external id prefix, case-insensitive", gatehouse.CustomerFilter{Query: "user"}, []string{ada, bob}},
		{"query external id is a prefix only", gatehouse.CustomerFilter{Query: "ser-2"}, []string{}},
		{"query percent is literal", gatehouse.CustomerFilter{Query: "100%"}, []string{bob}},
		{"query lone percent", gatehouse.CustomerFilter{Query: "%"}, []string{bob}},
		{"query underscore is literal", gatehouse.CustomerFilter{Query: "y_x"}, []string{cy}},
		{"query underscore in prefix", gatehouse.CustomerFilter{Query: "user_"}, []string{ada}},
		{"query backslash", gatehouse.CustomerFilter{Query: `\`}, []string{}},
		{"query and email", gatehouse.CustomerFilter{Query: "example", Email: "bob@example.com"}, []string{bob}},
		{"organization filter with mine", gatehouse.CustomerFilter{OrganizationIDs: []string{"x", org.ID}}, []string{ada, bob, cy}},
		{"organization filter without mine", gatehouse.CustomerFilter{OrganizationIDs: []string{"x"}}, []string{}},
		{"active true", gatehouse.CustomerFilter{Active: new(true)}, []string{}},
		{"active false", gatehouse.CustomerFilter{Active: new(false)}, []string{ada, bob, cy}},
	}
	for _, tc := range tests {
		ids, total := listIDs(t, s, org.ID, tc.f)
		wantSet(t, ids, total, tc.want, tc.name)
	}
}

func testListMetadata(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	mk := func(m gatehouse.Metadata) string {
		c := newCustomer(org, uniq("m")+"@example.com")
		c.Metadata = m
		mustOK(t, s.CreateCustomer(ctx, c), "create")
		return c.ID
	}
	a := mk(gatehouse.Metadata{"plan": "pro", "seats": json.Number("3"), "beta": true})
	b := mk(gatehouse.Metadata{"plan": "free", "seats": json.Number("1.5"), "beta": false})
	c := mk(gatehouse.Metadata{"plan": "3", "n": json.Number("1.0")})
	d := mk(nil)

	tests := []struct {
		name string
		m    map[string][]string
		want []string
	}{
		{"string", map[string][]string{"plan": {"pro"}}, []string{a}},
		{"values OR-ed", map[string][]string{"plan": {"pro", "free"}}, []string{a, b}},
		{"keys AND-ed", map[string][]string{"plan": {"pro", "free"}, "beta": {"false"}}, []string{b}},
		{"number text", map[string][]string{"seats": {"3"}}, []string{a}},
		{"float text", map[string][]string{"seats": {"1.5"}}, []string{b}},
		{"float text is exact", map[string][]string{"n": {"1"}}, []string{}},
		{"float text 1.0", map[string][]string{"n": {"1.0"}}, []string{c}},
		{"bool text", map[string][]string{"beta": {"true"}}, []string{a}},
		{"string that looks like a number", map[string][]string{"plan": {"3"}}, []string{c}},
		{"missing key", map[string][]string{"nope": {"x"}}, []string{}},
		{"case-sensitive value", map[string][]string{"plan": {"PRO"}}, []string{}},
		{"key without values does not filter", map[string][]string{"plan": {}}, []string{a, b, c, d}},
	}
	for _, tc := range tests {
		ids, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Metadata: tc.m})
		wantSet(t, ids, total, tc.want, tc.name)
	}
	// Updating metadata updates the filter.
	cust, err := s.Customer(ctx, org.ID, d)
	mustOK(t, err, "get d")
	cust.Metadata = gatehouse.Metadata{"plan": "pro"}
	mustOK(t, s.UpdateCustomer(ctx, cust), "update metadata")
	ids, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Metadata: map[string][]string{"plan": {"pro"}}})
	wantSet(t, ids, total, []string{a, d}, "after metadata update")
}

func testListSorting(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	mk := func(email string, name *string, age time.Duration) string {
		c := newCustomer(org, email)
		c.Name, c.CreatedAt = name, at(age)
		mustOK(t, s.CreateCustomer(ctx, c), "create")
		return c.ID
	}
	b := mk("b@example.com", new("beta"), 1*time.Second)
	a := mk("a@example.com", new("Alpha"), 3*time.Second)
	n := mk("c@example.com", nil, 2*time.Second)
	z := mk("z@example.com", new("_z"), 0)

	tests := []struct {
		sort []gatehouse.SortField
		want []string
	}{
		{nil, []string{a, n, b, z}},
		{[]gatehouse.SortField{{Field: gatehouse.SortCreatedAt}}, []string{z, b, n, a}},
		{[]gatehouse.SortField{{Field: gatehouse.SortEmail}}, []string{a, b, n, z}},
		{[]gatehouse.SortField{{Field: gatehouse.SortEmail, Desc: true}}, []string{z, n, b, a}},
		// Case-insensitive, byte order ("_" sorts after upper case letters
		// and before lower case ones once lowered: "_z" < "alpha"), NULLs
		// last ascending and first descending.
		{[]gatehouse.SortField{{Field: gatehouse.SortName}}, []string{z, a, b, n}},
		{[]gatehouse.SortField{{Field: gatehouse.SortName, Desc: true}}, []string{n, b, a, z}},
	}
	for _, tc := range tests {
		ids, _ := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Sorting: tc.sort})
		if !slices.Equal(ids, tc.want) {
			t.Fatalf("sort %+v: got %v, want %v", tc.sort, ids, tc.want)
		}
	}
	_, _, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Sorting: []gatehouse.SortField{{Field: "id; DROP TABLE customers"}}, Page: gatehouse.Page{Page: 1, Limit: 10}})
	wantCode(t, err, gatehouse.EInvalid, "unknown sort field")
}

func testListPaging(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	var all []string
	for i := range 7 {
		c := newCustomer(org, uniq("p")+"@example.com")
		c.CreatedAt = at(time.Duration(i) * time.Second)
		mustOK(t, s.CreateCustomer(ctx, c), "create")
		all = append([]string{c.ID}, all...) // newest first
	}
	var got []string
	for page := 1; page <= 4; page++ {
		ids, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Page: gatehouse.Page{Page: page, Limit: 3}})
		if total != 7 {
			t.Fatalf("page %d: got total %d, want 7", page, total)
		}
		if wantLen := min(3, max(0, 7-(page-1)*3)); len(ids) != wantLen {
			t.Fatalf("page %d: got %d rows, want %d", page, len(ids), wantLen)
		}
		got = append(got, ids...)
	}
	if !slices.Equal(got, all) {
		t.Fatalf("pages: got %v, want %v", got, all)
	}
	ids, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Query: "@example", Page: gatehouse.Page{Page: 9, Limit: 2}})
	if len(ids) != 0 || total != 7 {
		t.Fatalf("page past the end: got %d rows, total %d; want 0, 7", len(ids), total)
	}
}

// testListAfterWrites lists a customer (as a page, which a store may
// cache), changes every field, and lists again: the page shows the
// customer as it is now, never as it was; deleted, it is gone.
func testListAfterWrites(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "before@example.com")
	list, _, err := s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: "lovelace", Page: gatehouse.Page{Page: 1, Limit: 10}})
	mustOK(t, err, "list customers")
	if len(list) != 1 {
		t.Fatalf("before the update: got %d customers, want 1", len(list))
	}
	sameCustomer(t, list[0], wantCustomer(c), "listed before the update")

	c.Email, c.Name, c.BillingName = new("after@example.com"), new("Grace Hopper"), nil
	c.Metadata = gatehouse.Metadata{"plan": "team"}
	c.BillingAddress = &gatehouse.Address{Line1: new("12 rue de la Paix"), City: new("Paris"), PostalCode: new("75002"), Country: "FR"}
	c.Locale, c.EmailVerified = new("fr"), false
	modified := T0.Add(time.Hour)
	c.ModifiedAt = &modified
	mustOK(t, s.UpdateCustomer(ctx, c), "update customer")
	ids, total := listIDs(t, s, org.ID, gatehouse.CustomerFilter{Query: "lovelace"})
	wantSet(t, ids, total, nil, "the old name after the update")
	list, _, err = s.ListCustomers(ctx, org.ID, gatehouse.CustomerFilter{Query: "hopper", Page: gatehouse.Page{Page: 1, Limit: 10}})
	mustOK(t, err, "list customers")
	if len(list) != 1 {
		t.Fatalf("after the update: got %d customers, want 1", len(list))
	}
	sameCustomer(t, list[0], wantCustomer(c), "listed after the update")

	deleted := T0.Add(2 * time.Hour)
	c.DeletedAt = &deleted
	mustOK(t, s.UpdateCustomer(ctx, c), "delete customer")
	ids, total = listIDs(t, s, org.ID, gatehouse.CustomerFilter{})
	wantSet(t, ids, total, nil, "after the delete")
}
