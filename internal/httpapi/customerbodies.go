package httpapi

import (
	"bytes"
	"sync"

	"github.com/gatehouse/gatehouse"
)

// customerBodies keeps the JSON of listed customers, keyed by the
// *gatehouse.Customer itself. That is sound because the customers a Store's
// ListCustomers returns are immutable (the Store contract): a changed
// customer is a new value, hence a new key, and an entry keeps its key
// alive, so an address is never reused while cached. It pays when the store
// shares its listed customers between lists (sqlstore's customer search on
// SQLite): a page of 100 then costs one copy instead of 100 encodings. At
// most max entries are kept; a full cache forgets a quarter of them.
type customerBodies struct {
	max int
	mu  sync.Mutex
	m   map[*gatehouse.Customer][]byte
}

func newCustomerBodies(max int) *customerBodies {
	if max <= 0 {
		return nil
	}
	return &customerBodies{max: max, m: make(map[*gatehouse.Customer][]byte, max)}
}

// appendList appends the JSON of cs, comma-separated.
func (cb *customerBodies) appendList(b []byte, cs []*gatehouse.Customer) []byte {
	var found [100][]byte // a page has at most 100 customers
	bodies := found[:0]
	if len(cs) > len(found) {
		bodies = make([][]byte, 0, len(cs))
	}
	cb.mu.Lock()
	for _, c := range cs {
		bodies = append(bodies, cb.m[c])
	}
	cb.mu.Unlock()
	missed := false
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		if bodies[i] != nil {
			b = append(b, bodies[i]...)
			continue
		}
		start := len(b)
		b = appendCustomer(b, c)
		bodies[i] = bytes.Clone(b[start:])
		missed = true
	}
	if missed {
		cb.mu.Lock()
		for i, c := range cs {
			if _, ok := cb.m[c]; ok {
				continue
			}
			if len(cb.m) >= cb.max {
				drop := len(cb.m) / 4
				for k := range cb.m { // Go's random map order
					if drop == 0 {
						break
					}
					delete(cb.m, k)
					drop--
				}
			}
			cb.m[c] = bodies[i]
		}
		cb.mu.Unlock()
	}
	return b
}
