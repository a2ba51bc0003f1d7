package seed

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Seeded customers draw their names from these lists: customer i is
// firstNames[i%len(firstNames)] with lastNames[(i/len(firstNames))%len(lastNames)],
// so each last name is carried by 1 customer in len(lastNames). The list
// scenario of the benchmark searches for last names (bench/lua/list.lua).
var (
	firstNames = []string{
		"Ada", "Alan", "Barbara", "Brian", "Claude", "Dennis", "Donald", "Edsger",
		"Frances", "Grace", "Guido", "Hedy", "Ivan", "James", "John", "Joan",
		"Ken", "Leslie", "Linus", "Margaret", "Niklaus", "Radia", "Rob", "Robin",
		"Shafi", "Sophie", "Tim", "Tony", "Vint", "Whitfield", "Yukihiro", "Zoe",
		"Anita", "Bjarne", "Carol", "Dana", "Evelyn", "Fran", "Gilles", "Hal",
	}
	lastNames = []string{
		"Lovelace", "Turing", "Liskov", "Kernighan", "Shannon", "Ritchie", "Knuth", "Dijkstra",
		"Allen", "Hopper", "Rossum", "Lamarr", "Sutherland", "Gosling", "McCarthy", "Clarke",
		"Thompson", "Lamport", "Torvalds", "Hamilton", "Wirth", "Perlman", "Pike", "Milner",
		"Goldwasser", "Wilson", "Berners", "Hoare", "Cerf", "Diffie", "Matsumoto", "Smith",
		"Borg", "Stroustrup", "Shaw", "Scott", "Cooper", "Bilas", "Kahn", "Abelson",
		"Backus", "Codd", "Engelbart", "Floyd", "Gray", "Hellman", "Iverson", "Johnson",
		"Kay", "Lee",
	}
)

// Name returns the name of seeded customer number i.
func Name(i int) string {
	return firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)]
}

// Email returns the email of seeded customer number i (lowercase, unique).
func Email(i int) string {
	f := firstNames[i%len(firstNames)]
	l := lastNames[(i/len(firstNames))%len(lastNames)]
	return strings.ToLower(fmt.Sprintf("%s.%s.%d@example.com", f, l, i))
}

// ExternalID returns the external ID of seeded customer number i, the form
// the create scenario's load script generates: "seed-" and seven digits.
func ExternalID(i int) string {
	return fmt.Sprintf("seed-%07d", i)
}

// LastNames returns the last names seeded customers carry, each shared by
// one customer in len(LastNames()): good list queries.
func LastNames() []string {
	return append([]string(nil), lastNames...)
}

// billing is what a seeded customer carries beyond its name: a billing
// address (stored as the JSON sqlstore writes), a tax ID, a locale. It makes a portal response about as large as a real customer's.
type billing struct {
	address              string
	taxNumber, taxFormat any // nil for none
	locale               string
}

// billings cycle over seeded customers. The tax IDs are valid, in the
// normalized form the API stores (internal/validate's test vectors).
var billings = func() []billing {
	s := func(v string) *string { return &v }
	type spec struct {
		addr   gatehouse.Address
		tax    *gatehouse.TaxID
		locale string
	}
	specs := []spec{
		{gatehouse.Address{Line1: s("1 Infinite Loop"), Line2: s("Building 4, Suite 200"), PostalCode: s("95014"), City: s("Cupertino"), State: s("US-CA"), Country: "US"}, &gatehouse.TaxID{Number: "911144442", Format: "us_ein"}, "en"},
		{gatehouse.Address{Line1: s("12 rue de la Paix"), PostalCode: s("75002"), City: s("Paris"), Country: "FR"}, &gatehouse.TaxID{Number: "FR61954506077", Format: "eu_vat"}, "fr"},
		{gatehouse.Address{Line1: s("Unter den Linden 77"), Line2: s("3. Etage"), PostalCode: s("10117"), City: s("Berlin"), Country: "DE"}, &gatehouse.TaxID{Number: "DE136308783", Format: "eu_vat"}, "de"},
		{gatehouse.Address{Line1: s("221B Baker Street"), PostalCode: s("NW1 6XE"), City: s("London"), Country: "GB"}, &gatehouse.TaxID{Number: "GB980780684", Format: "gb_vat"}, "en-GB"},
	}
	out := make([]billing, len(specs))
	for i, sp := range specs {
		b, err := json.Marshal(sp.addr)
		if err != nil {
			panic(err) // static data
		}
		out[i] = billing{address: string(b), locale: sp.locale}
		if sp.tax != nil {
			out[i].taxNumber, out[i].taxFormat = sp.tax.Number, sp.tax.Format
		}
	}
	return out
}()

func billingFor(i int) billing { return billings[i%len(billings)] }
