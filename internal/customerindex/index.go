// Package customerindex keeps, in memory, what the customer list needs to
// search one organization's live customers: their lowercased email, name,
// billing name and external ID, their creation time and their ID. Search
// answers a list's condition (case-insensitive substring of email, name or
// billing name, prefix of the external ID, exact email), its order and its
// page, and counts every match, without touching the database.
//
// A posting list per byte trigram records which customers contain it.
// A query of three bytes or more starts from the rarest of its trigrams'
// lists (a customer containing the query contains each of its trigrams),
// and every candidate is then checked against the query itself, so the
// index answers exactly what the SQL condition does; shorter queries check
// every customer. Posting lists are delta-encoded varints, about one byte
// per entry for common trigrams.
//
// Put and Delete change an Index and must run alone; Find, Page and Search
// only read it, so several may run at once (internal/sqlstore holds each
// index under a read-write lock).
package customerindex

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Doc is one live customer as the index sees it. Text fields are nil for
// NULL; they are lowercased by Put.
type Doc struct {
	ID          string
	CreatedAt   int64 // unix microseconds
	Email       *string
	Name        *string
	BillingName *string
	ExternalID  *string
}

// The text fields of a doc, in the order they are laid out in doc.text.
const (
	fID = iota
	fEmail
	fName
	fBilling
	fExternal
	nFields
)

// doc is the compact form of a Doc: its text fields concatenated in one
// string, with the end offset of each and a bit per NULL field.
type doc struct {
	text    string
	created int64
	ends    [nFields]uint32
	null    uint8
	dead    bool
}

func (d *doc) field(f int) string {
	start := uint32(0)
	if f > 0 {
		start = d.ends[f-1]
	}
	return d.text[start:d.ends[f]]
}

func (d *doc) isNull(f int) bool { return d.null&(1<<f) != 0 }

// postings is the ascending list of slots containing one trigram, as
// varint deltas.
type postings struct {
	b    []byte
	last int32
	n    int32
}

func (p *postings) add(slot int32) {
	if p.n > 0 && slot == p.last {
		return
	}
	p.b = binary.AppendUvarint(p.b, uint64(slot-p.last))
	p.last = slot
	p.n++
}

// decode appends the slots of p to dst.
func (p *postings) decode(dst []int32) []int32 {
	slot := int32(0)
	for b := p.b; len(b) > 0; {
		d, n := binary.Uvarint(b)
		b = b[n:]
		slot += int32(d)
		dst = append(dst, slot)
	}
	return dst
}

// keep returns the slots of sorted that are also in p, in place.
func (p *postings) keep(sorted []int32) []int32 {
	out := sorted[:0]
	slot, i := int32(0), 0
	for b := p.b; len(b) > 0 && i < len(sorted); {
		d, n := binary.Uvarint(b)
		b = b[n:]
		slot += int32(d)
		for i < len(sorted) && sorted[i] < slot {
			i++
		}
		if i < len(sorted) && sorted[i] == slot {
			out = append(out, slot)
			i++
		}
	}
	return out
}

// Index is the search index of one organization's live customers.
type Index struct {
	docs  []doc // by slot; slots are never reused until a rebuild
	byID  map[string]int32
	grams map[uint32]*postings
	live  int
	dead  int
}

// New returns an empty index.
func New() *Index {
	return &Index{byID: map[string]int32{}, grams: map[uint32]*postings{}}
}

// Len is the number of live customers indexed.
func (x *Index) Len() int { return x.live }

// Put indexes d, replacing the customer with the same ID if there is one.
func (x *Index) Put(d Doc) {
	x.Delete(d.ID)
	fields := [nFields]*string{&d.ID, d.Email, d.Name, d.BillingName, d.ExternalID}
	var b strings.Builder
	size := 0
	for _, s := range fields {
		if s != nil {
			size += len(*s)
		}
	}
	b.Grow(size)
	var nd doc
	nd.created = d.CreatedAt
	for f, s := range fields {
		if s == nil {
			nd.null |= 1 << f
		} else if f == fID {
			b.WriteString(*s)
		} else {
			b.WriteString(strings.ToLower(*s))
		}
		nd.ends[f] = uint32(b.Len())
	}
	nd.text = b.String()
	x.add(nd)
}

// add appends nd in a new slot and posts its trigrams.
func (x *Index) add(nd doc) {
	slot := int32(len(x.docs))
	x.docs = append(x.docs, nd)
	d := &x.docs[slot]
	x.byID[d.field(fID)] = slot
	x.live++
	for f := fEmail; f < nFields; f++ {
		s := d.field(f)
		for i := 0; i+3 <= len(s); i++ {
			g := gram(s[i:])
			p := x.grams[g]
			if p == nil {
				p = &postings{}
				x.grams[g] = p
			}
			p.add(slot)
		}
	}
}

func gram(s string) uint32 { return uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2]) }

// Delete removes the customer with id and reports whether it was indexed.
func (x *Index) Delete(id string) bool {
	slot, ok := x.byID[id]
	if !ok {
		return false
	}
	delete(x.byID, id)
	x.docs[slot].dead = true
	x.live--
	x.dead++
	if x.dead > 1024 && x.dead > x.live {
		x.rebuild()
	}
	return true
}

// rebuild drops dead slots and stale postings, laying the live customers
// out in creation order.
func (x *Index) rebuild() {
	live := make([]doc, 0, x.live)
	for _, d := range x.docs {
		if !d.dead {
			live = append(live, d)
		}
	}
	slices.SortFunc(live, func(a, b doc) int {
		return cmp.Or(cmp.Compare(a.created, b.created), strings.Compare(a.field(fID), b.field(fID)))
	})
	*x = Index{docs: make([]doc, 0, len(live)), byID: make(map[string]int32, len(live)), grams: map[uint32]*postings{}}
	for _, d := range live {
		x.add(d)
	}
}

// Query is a customer list's condition, order and page.
type Query struct {
	// Text, when not empty, must be a substring of the email, name or
	// billing name, or a prefix of the external ID (case-insensitive).
	Text string
	// Email, when not empty, must equal the email (case-insensitive).
	Email string
	// Sort orders the matches; the customer ID (ascending) breaks ties.
	// Text fields sort NULLs last ascending and first descending.
	// Empty means newest first.
	Sort          []gatehouse.SortField
	Offset, Limit int
}

// Result is one page of matches.
type Result struct {
	Total int      // every match
	IDs   []string // the page's customer IDs, in order
}

// Search returns the page of q and the number of all its matches.
func (x *Index) Search(q Query) Result {
	m := x.Find(q)
	return Result{Total: m.Len(), IDs: x.Page(m, q.Offset, q.Limit)}
}

// Matches are every match of a query, in the query's order. They stay
// valid until the index changes (the next Put or Delete).
type Matches struct{ slots []int32 }

// Len is the number of matches.
func (m Matches) Len() int { return len(m.slots) }

// Find returns every match of q (its Offset and Limit aside), in order.
func (x *Index) Find(q Query) Matches {
	text, email := strings.ToLower(q.Text), strings.ToLower(q.Email)
	matches := x.candidates(text, email)
	n := 0
	for _, slot := range matches {
		if x.docs[slot].matches(text, email) {
			matches[n] = slot
			n++
		}
	}
	matches = matches[:n]
	sorting := q.Sort
	if len(sorting) == 0 {
		sorting = []gatehouse.SortField{{Field: gatehouse.SortCreatedAt, Desc: true}}
	}
	slices.SortFunc(matches, func(a, b int32) int { return x.compare(sorting, &x.docs[a], &x.docs[b]) })
	return Matches{slots: matches}
}

// Page returns the IDs of matches [offset, offset+limit) of m, which Find
// returned since the index last changed.
func (x *Index) Page(m Matches, offset, limit int) []string {
	lo := min(max(offset, 0), len(m.slots))
	hi := min(lo+max(limit, 0), len(m.slots))
	ids := make([]string, 0, hi-lo)
	for _, slot := range m.slots[lo:hi] {
		ids = append(ids, x.docs[slot].field(fID))
	}
	return ids
}

// candidates returns, ascending, the live slots that may match: those
// holding every trigram of text and of email, or every live slot when
// neither has one.
func (x *Index) candidates(text, email string) []int32 {
	var lists []*postings
	for _, s := range []string{text, email} {
		for i := 0; i+3 <= len(s); i++ {
			p := x.grams[gram(s[i:])]
			if p == nil {
				return nil
			}
			if !slices.Contains(lists, p) {
				lists = append(lists, p)
			}
		}
	}
	if len(lists) == 0 {
		out := make([]int32, 0, x.live)
		for slot := range x.docs {
			if !x.docs[slot].dead {
				out = append(out, int32(slot))
			}
		}
		return out
	}
	slices.SortFunc(lists, func(a, b *postings) int { return cmp.Compare(a.n, b.n) })
	out := lists[0].decode(make([]int32, 0, lists[0].n))
	// Narrow with the next rarest lists while that is cheaper than
	// checking the remaining candidates one by one.
	for _, p := range lists[1:min(len(lists), 4)] {
		if len(out) < 32 || int(p.n) > 8*len(out) {
			break
		}
		out = p.keep(out)
	}
	return out
}

// matches reports whether the live doc d satisfies the lowercased text and
// email conditions.
func (d *doc) matches(text, email string) bool {
	if d.dead {
		return false
	}
	if email != "" && (d.isNull(fEmail) || d.field(fEmail) != email) {
		return false
	}
	if text == "" {
		return true
	}
	return strings.Contains(d.field(fEmail), text) || strings.Contains(d.field(fName), text) ||
		strings.Contains(d.field(fBilling), text) || strings.HasPrefix(d.field(fExternal), text)
}

// compare orders a and b by sorting, then by ID.
func (x *Index) compare(sorting []gatehouse.SortField, a, b *doc) int {
	for _, sf := range sorting {
		var c int
		switch sf.Field {
		case gatehouse.SortCreatedAt:
			c = cmp.Compare(a.created, b.created)
		case gatehouse.SortEmail:
			c = compareNullable(a, b, fEmail)
		case gatehouse.SortName:
			c = compareNullable(a, b, fName)
		}
		if sf.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return strings.Compare(a.field(fID), b.field(fID))
}

// compareNullable compares field f of a and b ascending, NULLs last (so a
// descending order puts them first).
func compareNullable(a, b *doc, f int) int {
	an, bn := a.isNull(f), b.isNull(f)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return strings.Compare(a.field(f), b.field(f))
}
