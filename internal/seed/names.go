package seed

import (
	"fmt"
	"strings"
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
