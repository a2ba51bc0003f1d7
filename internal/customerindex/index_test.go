package customerindex

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// model is the obvious implementation Search must agree with: every live
// customer checked against the condition, then sorted.
type model map[string]Doc

func lowerOf(s *string) (string, bool) {
	if s == nil {
		return "", false
	}
	return strings.ToLower(*s), true
}

func (m model) search(q Query) Result {
	text, email := strings.ToLower(q.Text), strings.ToLower(q.Email)
	var hits []Doc
	for _, d := range m {
		e, hasE := lowerOf(d.Email)
		if email != "" && (!hasE || e != email) {
			continue
		}
		if text != "" {
			n, _ := lowerOf(d.Name)
			b, _ := lowerOf(d.BillingName)
			x, _ := lowerOf(d.ExternalID)
			if !strings.Contains(e, text) && !strings.Contains(n, text) && !strings.Contains(b, text) && !strings.HasPrefix(x, text) {
				continue
			}
		}
		hits = append(hits, d)
	}
	sorting := q.Sort
	if len(sorting) == 0 {
		sorting = []gatehouse.SortField{{Field: gatehouse.SortCreatedAt, Desc: true}}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		for _, sf := range sorting {
			var less, greater bool
			switch sf.Field {
			case gatehouse.SortCreatedAt:
				less, greater = a.CreatedAt < b.CreatedAt, a.CreatedAt > b.CreatedAt
			default:
				pa, pb := a.Email, b.Email
				if sf.Field == gatehouse.SortName {
					pa, pb = a.Name, b.Name
				}
				va, oka := lowerOf(pa)
				vb, okb := lowerOf(pb)
				switch {
				case !oka && !okb:
				case !oka: // NULL sorts after everything ascending
					greater = true
				case !okb:
					less = true
				default:
					less, greater = va < vb, va > vb
				}
			}
			if sf.Desc {
				less, greater = greater, less
			}
			if less || greater {
				return less
			}
		}
		return a.ID < b.ID
	})
	res := Result{Total: len(hits)}
	lo := min(q.Offset, len(hits))
	hi := min(lo+q.Limit, len(hits))
	for _, d := range hits[lo:hi] {
		res.IDs = append(res.IDs, d.ID)
	}
	return res
}

// Small alphabets make collisions, shared trigrams, ties and NULLs common.
var words = []string{"ada", "Lovelace", "turing", "TUR", "ing", "lov", "hopper", "Ωmega", "straße", "x"}

func randText(rng *rand.Rand) *string {
	if rng.IntN(6) == 0 {
		return nil
	}
	n := rng.IntN(3)
	parts := make([]string, 0, n+1)
	for range n + 1 {
		parts = append(parts, words[rng.IntN(len(words))])
	}
	s := strings.Join(parts, []string{" ", ".", ""}[rng.IntN(3)])
	return &s
}

func randDoc(rng *rand.Rand, id string) Doc {
	d := Doc{ID: id, CreatedAt: int64(rng.IntN(50)), Email: randText(rng), Name: randText(rng),
		BillingName: randText(rng), ExternalID: randText(rng)}
	if d.Email != nil {
		e := *d.Email + "@example.com"
		d.Email = &e
	}
	return d
}

func randQuery(rng *rand.Rand, m model) Query {
	var q Query
	switch rng.IntN(5) {
	case 0: // a piece of a stored value
		for _, d := range m {
			if s := []*string{d.Email, d.Name, d.BillingName, d.ExternalID}[rng.IntN(4)]; s != nil && len(*s) > 0 {
				i := rng.IntN(len(*s))
				j := min(len(*s), i+1+rng.IntN(6))
				q.Text = strings.ToUpper((*s)[i:j])
			}
			break
		}
	case 1:
		q.Text = words[rng.IntN(len(words))]
	case 2:
		for _, d := range m {
			if d.Email != nil {
				q.Email = strings.ToUpper(*d.Email)
			}
			break
		}
	case 3:
		q.Text = "no such thing"
	}
	fields := []string{gatehouse.SortCreatedAt, gatehouse.SortEmail, gatehouse.SortName}
	for range rng.IntN(3) {
		q.Sort = append(q.Sort, gatehouse.SortField{Field: fields[rng.IntN(3)], Desc: rng.IntN(2) == 0})
	}
	q.Limit = 1 + rng.IntN(20)
	q.Offset = rng.IntN(3) * q.Limit
	return q
}

// TestSearchMatchesModel runs random puts, updates and deletes (enough of
// them to rebuild the index several times) and compares every kind of
// query with the model.
func TestSearchMatchesModel(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 1))
		x, m := New(), model{}
		for step := range 6000 {
			id := fmt.Sprintf("c%03d", rng.IntN(400))
			switch rng.IntN(4) {
			case 0:
				if x.Delete(id) != (m[id].ID != "") {
					t.Fatalf("seed %d step %d: Delete(%s) disagrees with the model", seed, step, id)
				}
				delete(m, id)
			default:
				d := randDoc(rng, id)
				x.Put(d)
				m[id] = d
			}
			if x.Len() != len(m) {
				t.Fatalf("seed %d step %d: Len %d, model %d", seed, step, x.Len(), len(m))
			}
			if step%10 == 0 {
				q := randQuery(rng, m)
				got, want := x.Search(q), m.search(q)
				if got.Total != want.Total || !slices.Equal(got.IDs, want.IDs) {
					t.Fatalf("seed %d step %d: %+v\n got %d %v\nwant %d %v", seed, step, q,
						got.Total, got.IDs, want.Total, want.IDs)
				}
			}
		}
	}
}

func TestSearch(t *testing.T) {
	x := New()
	x.Put(Doc{ID: "a", CreatedAt: 1, Email: new("Ada.Lovelace@Example.com"), Name: new("Ada Lovelace"), ExternalID: new("EXT-1")})
	x.Put(Doc{ID: "b", CreatedAt: 2, Email: new("alan@example.com"), BillingName: new("Turing Ltd")})
	x.Put(Doc{ID: "c", CreatedAt: 3, Email: new("grace@example.com"), ExternalID: new("lovelace-3")})
	for _, tc := range []struct {
		q    Query
		want []string
	}{
		{Query{Limit: 10}, []string{"c", "b", "a"}},
		{Query{Text: "LOVELACE", Limit: 10}, []string{"c", "a"}},
		{Query{Text: "ovelace", Limit: 10}, []string{"a"}}, // external IDs match by prefix only
		{Query{Text: "ring l", Limit: 10}, []string{"b"}},  // billing name
		{Query{Text: "ext-", Limit: 10}, []string{"a"}},
		{Query{Text: "@example.com", Limit: 2}, []string{"c", "b"}},
		{Query{Text: "@example.com", Offset: 2, Limit: 2}, []string{"a"}},
		{Query{Email: "ALAN@example.com", Limit: 10}, []string{"b"}},
		{Query{Email: "alan@example.co", Limit: 10}, nil},
		{Query{Text: "zzz", Limit: 10}, nil},
		{Query{Sort: []gatehouse.SortField{{Field: gatehouse.SortName}}, Limit: 10}, []string{"a", "b", "c"}},
		{Query{Sort: []gatehouse.SortField{{Field: gatehouse.SortName, Desc: true}}, Limit: 10}, []string{"b", "c", "a"}},
	} {
		got := x.Search(tc.q)
		if !slices.Equal(got.IDs, tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.q, got.IDs, tc.want)
		}
	}
	x.Put(Doc{ID: "a", CreatedAt: 1, Email: new("ada@example.com")}) // an update
	if got := x.Search(Query{Text: "lovelace", Limit: 10}); !slices.Equal(got.IDs, []string{"c"}) || got.Total != 1 {
		t.Errorf("after the update: %+v", got)
	}
	if got := x.Search(Query{Text: "ada@", Limit: 10}); !slices.Equal(got.IDs, []string{"a"}) {
		t.Errorf("after the update: %+v", got)
	}
	x.Delete("c")
	if got := x.Search(Query{Limit: 10}); got.Total != 2 || x.Len() != 2 {
		t.Errorf("after the delete: %+v, Len %d", got, x.Len())
	}
}

// BenchmarkSearch is the list scenario's search on its own: 100,000
// customers, a last name carried by 1 in 50, a page of 100.
func BenchmarkSearch(b *testing.B) {
	x := New()
	last := []string{"lovelace", "turing", "dijkstra", "hopper", "knuth", "ritchie", "lamport", "wirth"}
	for i := range 100_000 {
		ln := fmt.Sprintf("other%d", i%997)
		if i%50 == 0 {
			ln = last[(i/50)%len(last)]
		}
		x.Put(Doc{ID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), CreatedAt: int64(i),
			Email: new(fmt.Sprintf("ada.%s.%d@example.com", ln, i)), Name: new("Ada " + ln), BillingName: new("Ada " + ln),
			ExternalID: new(fmt.Sprintf("seed-%07d", i))})
	}
	i := 0
	for b.Loop() {
		r := x.Search(Query{Text: last[i%len(last)], Limit: 100})
		if len(r.IDs) != 100 || r.Total != 250 {
			b.Fatalf("%d IDs of %d", len(r.IDs), r.Total)
		}
		i++
	}
}

// BenchmarkLoad indexes 100,000 customers shaped like the bench's seed and
// reports the time and the heap each customer takes.
func BenchmarkLoad(b *testing.B) {
	docs := make([]Doc, 100_000)
	for i := range docs {
		ln := fmt.Sprintf("other%d", i%997)
		docs[i] = Doc{ID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), CreatedAt: int64(i),
			Email: new(fmt.Sprintf("ada.%s.%d@example.com", ln, i)), Name: new("Ada " + ln), BillingName: new("Ada " + ln),
			ExternalID: new(fmt.Sprintf("seed-%07d", i))}
	}
	var heap uint64
	for b.Loop() {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		x := New()
		for _, d := range docs {
			x.Put(d)
		}
		runtime.GC()
		runtime.ReadMemStats(&m1)
		heap = m1.HeapAlloc - m0.HeapAlloc
		runtime.KeepAlive(x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/customer")
	b.ReportMetric(float64(heap)/float64(len(docs)), "heap-B/customer")
}
