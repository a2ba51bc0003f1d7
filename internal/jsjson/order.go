package jsjson

import (
	"bytes"
	"cmp"
	"slices"
)

// maxArrayIndex is the largest array index, 2^32 - 2 (ECMA-262 §6.1.7).
const maxArrayIndex = 1<<32 - 2

// reorder puts the members ms of the object written at p.out[start:] into
// the order JSON.stringify enumerates the properties JSON.parse created.
//
// JSON.parse creates the properties with CreateDataProperty in text order,
// so a repeated key overwrites the value of the existing property, which
// keeps its place; JSON.stringify then walks [[OwnPropertyKeys]], which for
// an ordinary object lists the array-index keys in ascending numeric order
// and then the other string keys in creation order (OrdinaryOwnPropertyKeys,
// ECMA-262 §10.1.11.1). Keys are compared in their canonical written form,
// which is one-to-one with the JavaScript string (escapes are normalized).
//
// Most objects need nothing: no repeated key and no array-index key after a
// non-index key or out of order. Only the others are rewritten.
func (p *parser) reorder(start int, ms []member) {
	if inOrder(p.out, ms) {
		return
	}
	region := bytes.Clone(p.out[start:])
	type entry struct {
		key, value []byte
		index      int64 // -1 for a key that is not an array index
	}
	entries := make([]entry, 0, len(ms))
	seen := make(map[string]int, len(ms))
	for _, m := range ms {
		key := region[m.key-start : m.colon-start]
		value := region[m.colon+1-start : m.end-start]
		if i, ok := seen[string(key)]; ok {
			entries[i].value = value
			continue
		}
		seen[string(key)] = len(entries)
		entries = append(entries, entry{key, value, arrayIndex(key)})
	}
	slices.SortStableFunc(entries, func(a, b entry) int {
		switch {
		case a.index >= 0 && b.index >= 0:
			return cmp.Compare(a.index, b.index)
		case a.index >= 0:
			return -1
		case b.index >= 0:
			return 1
		}
		return 0
	})
	p.out = append(p.out[:start], '{')
	for i, e := range entries {
		if i > 0 {
			p.out = append(p.out, ',')
		}
		p.out = append(p.out, e.key...)
		p.out = append(p.out, ':')
		p.out = append(p.out, e.value...)
	}
	p.out = append(p.out, '}')
}

// inOrder reports whether the members are already in JavaScript's order
// with no key repeated.
func inOrder(out []byte, ms []member) bool {
	last := int64(-1)
	named := false // a key that is not an array index was seen
	for _, m := range ms {
		i := arrayIndex(out[m.key:m.colon])
		if i >= 0 {
			if named || i <= last {
				return false
			}
			last = i
		} else {
			named = true
		}
	}
	if len(ms) <= 32 { // quadratic, but cheaper than a map this small
		for i := 1; i < len(ms); i++ {
			for j := range i {
				if bytes.Equal(out[ms[i].key:ms[i].colon], out[ms[j].key:ms[j].colon]) {
					return false
				}
			}
		}
		return true
	}
	seen := make(map[string]struct{}, len(ms))
	for _, m := range ms {
		k := string(out[m.key:m.colon])
		if _, ok := seen[k]; ok {
			return false
		}
		seen[k] = struct{}{}
	}
	return true
}

// arrayIndex returns the array index a canonical quoted key denotes, or -1:
// an index is written as its decimal digits with no leading zero (so "01"
// and "-0" are ordinary keys) and is at most 2^32 - 2.
func arrayIndex(quoted []byte) int64 {
	s := quoted[1 : len(quoted)-1]
	if len(s) == 0 || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return -1
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	if n > maxArrayIndex {
		return -1
	}
	return n
}
