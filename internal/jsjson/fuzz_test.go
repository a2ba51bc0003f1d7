package jsjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzCanonical checks that Canonical accepts exactly what encoding/json
// accepts (given valid UTF-8), that its output is valid JSON meaning the
// same thing to encoding/json, and that it is a fixed point.
func FuzzCanonical(f *testing.F) {
	for _, tc := range canonicalCases {
		f.Add([]byte(tc.in))
	}
	for _, in := range invalidCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonical(in)
		if err != nil {
			if json.Valid(in) && utf8.Valid(in) {
				t.Fatalf("Canonical(%q) rejected valid JSON: %v", in, err)
			}
			return
		}
		if !json.Valid(in) {
			t.Fatalf("Canonical(%q) = %q, but encoding/json rejects the input", in, out)
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("Canonical(%q) = %q: not valid JSON", in, out)
		}
		again, err := Canonical(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Canonical(%q) = %q, but Canonical of that = %q, %v", in, out, again, err)
		}
		// Where encoding/json can decode the input (it refuses numbers
		// beyond float64), the output decodes to the same value: keys
		// repeated keep the last value in both.
		var vin, vout any
		if json.Unmarshal(in, &vin) == nil {
			if err := json.Unmarshal(out, &vout); err != nil {
				t.Fatalf("Canonical(%q) = %q, which encoding/json cannot decode: %v", in, out, err)
			}
			if !reflect.DeepEqual(vin, vout) {
				t.Fatalf("Canonical(%q) = %q: decodes to %#v, want %#v", in, out, vout, vin)
			}
		}
	})
}
