package jsjson

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// canonicalCases were each checked against Node.js 20's
// JSON.stringify(JSON.parse(in)); TestNodeAgreesWithTable re-checks them
// whenever node is available.
var canonicalCases = []struct {
	name, in, want string
}{
	{"whitespace", " [ 1 , { \"a\" : [ ] , \"b\" : { } } ]\t\r\n", `[1,{"a":[],"b":{}}]`},
	{"literals", `[true,false,null]`, `[true,false,null]`},
	{"scalar top level", ` "x" `, `"x"`},
	{"number top level", `-0`, `0`},

	{"not HTML-escaped, no line separators escaped", `"\u2028\u2029<>&\u003c"`, "\"\u2028\u2029<>&<\""},
	{"controls", `"\u0000\u001f\u001F\u007f\b\f\n\r\t\/\"\\"`, "\"\\u0000\\u001f\\u001f\x7f\\b\\f\\n\\r\\t/\\\"\\\\\""},
	{"short escapes from \\u", `"\u0008\u0009\u000a\u000C\u000d\u0022\u005c\u002f"`, `"\b\t\n\f\r\"\\/"`},
	{"raw multibyte", `"€𝄞é"`, `"€𝄞é"`},
	{"surrogate pairs join, lone ones stay escaped",
		`"\ud800\udc00\ud83d\ude00\uD83D\uDE00\udc00\ud800x\uABCD\ud800\ud800\udc00"`,
		"\"\U00010000\U0001F600\U0001F600\\udc00\\ud800x\uabcd\\ud800\U00010000\""},
	{"highest pair, split pair", `"\uDBFF\uDFFF\uD800 \uDC00"`, "\"\U0010FFFF\\ud800 \\udc00\""},
	{"high surrogate at end", `"\ud83d"`, `"\ud83d"`},
	{"DEL and U+FEFF inside a string stay raw", "\"\x7f\ufeff\"", "\"\x7f\ufeff\""},

	{"integers", `[0,1,-1,100,1e2,1E+2,1e-0,0.1e1,3.0,-0.0,0e0]`, `[0,1,-1,100,100,100,1,1,3,0,0]`},
	{"exponent thresholds", `[1e20,1e21,999999999999999999999,123e18,1e-6,1e-7,0.000001,1.5e-6,1.5e-7,123e-20,0.00001234]`,
		`[100000000000000000000,1e+21,1e+21,123000000000000000000,0.000001,1e-7,0.000001,0.0000015,1.5e-7,1.23e-18,0.00001234]`},
	{"fractions", `[123456789.125,4.35,0.1,0.30000000000000004,12345678901234567890123]`,
		`[123456789.125,4.35,0.1,0.30000000000000004,1.2345678901234568e+22]`},
	{"overflow is Infinity, written null", `[1E400,-1e400,2e308,1.7976931348623157e308,1.7976931348623159e308]`,
		`[null,null,null,1.7976931348623157e+308,null]`},
	{"underflow and subnormals", `[1e-400,-1e-400,5e-324,4.9406564584124654e-324,2.4703282292062327e-324,2.4703282292062328e-324,2.2250738585072014e-308]`,
		`[0,0,5e-324,5e-324,0,5e-324,2.2250738585072014e-308]`},
	{"beyond 2^53", `[9007199254740993,9007199254740992,18446744073709551615]`, `[9007199254740992,9007199254740992,18446744073709552000]`},
	{"long mantissa", `0.` + strings.Repeat("0", 400) + `1e401`, `1`},

	{"duplicate key: first place, last value", `{"b":1,"a":2,"b":3}`, `{"b":3,"a":2}`},
	{"nested duplicates", `{"a":{"b":1,"a":2,"b":{"c":3,"c":4}},"a":[1]}`, `{"a":[1]}`},
	{"duplicates inside a kept value", `{"a":{"b":1,"a":2,"b":{"c":3,"c":4}}}`, `{"a":{"b":{"c":4},"a":2}}`},
	{"escaped key is the same key", `{"\u0061":1,"a":2}`, `{"a":2}`},
	{"index keys first, ascending", `{"x":1,"2":1,"1":2,"01":3,"4294967294":4,"4294967295":5,"-0":6}`,
		`{"1":2,"2":1,"4294967294":4,"x":1,"01":3,"4294967295":5,"-0":6}`},
	{"index-like but not index", `{"4294967296":3,"9007199254740993":4,"1.5":5,"1e3":6," 1":7,"":8}`,
		`{"4294967296":3,"9007199254740993":4,"1.5":5,"1e3":6," 1":7,"":8}`},
	{"escaped index key", `{"1":1,"\u0031":2,"0":0}`, `{"0":0,"1":2}`},
	{"proto is an ordinary key", `{"__proto__":1,"constructor":2}`, `{"__proto__":1,"constructor":2}`},
	{"many keys, one repeated", `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":"x"}`,
		`{"k0":0,"k1":1,"k2":2,"k3":"x","k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16}`},
}

func TestCanonical(t *testing.T) {
	for _, tc := range canonicalCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonical([]byte(tc.in))
			if err != nil {
				t.Fatalf("Canonical(%q): %v", tc.in, err)
			}
			if string(got) != tc.want {
				t.Errorf("Canonical(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			again, err := Canonical(got)
			if err != nil || string(again) != string(got) {
				t.Errorf("Canonical is not idempotent on %q: got %q, %v", got, again, err)
			}
		})
	}
}

// invalidCases are rejected by JSON.parse too, except the invalid UTF-8
// ones, which a JavaScript caller could not even have as a string (see the
// package comment).
var invalidCases = []string{
	``, ` `, `{`, `[`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `{"a":1 "b":2}`, `[1 2]`,
	`01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`, `0x10`, `1_000`, `Infinity`, `NaN`, `-Infinity`,
	`tru`, `nul`, `True`, `"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, `"\'"`,
	"\"a\tb\"", "\"a\nb\"", "\"\x00\"", `"a"b`, `1 2`, `{}x`, "\ufeff1", "\v1", "\f1", "\u00a01",
	"\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "{\"\xff\":1}",
}

func TestCanonicalRejects(t *testing.T) {
	for _, in := range invalidCases {
		got, err := Canonical([]byte(in))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Canonical(%q) = %q, %v; want an error wrapping ErrInvalid", in, got, err)
		}
	}
}

func TestCanonicalDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if _, err := Canonical([]byte(ok)); err != nil {
		t.Errorf("nesting %d: %v", MaxDepth, err)
	}
	deep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	if _, err := Canonical([]byte(deep)); !errors.Is(err, ErrInvalid) {
		t.Errorf("nesting %d: got %v, want ErrInvalid", MaxDepth+1, err)
	}
}

func TestAppendNumber(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{math.Copysign(0, -1), "0"},
		{math.Inf(1), "null"},
		{math.NaN(), "null"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{-1e21, "-1e+21"},
		{-1.5e-7, "-1.5e-7"},
		{123456789012345680000, "123456789012345680000"},
		{0.30000000000000004, "0.30000000000000004"},
		{1 << 53, "9007199254740992"},
	} {
		if got := string(appendNumber(nil, tc.f)); got != tc.want {
			t.Errorf("appendNumber(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestMarshal(t *testing.T) {
	type inner struct {
		HTML  string  `json:"html"`
		Float float64 `json:"float"`
	}
	v := map[string]any{
		"b": inner{"<a href=\"x\">&amp;\u2028</a>", 3.0},
		"1": []float64{1e21, 1e-7, 0.000001, 100},
		"a": nil,
		"0": "bad \xff utf-8", // encoding/json writes U+FFFD
	}
	got, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"0\":\"bad \ufffd utf-8\",\"1\":[1e+21,1e-7,0.000001,100],\"a\":null," +
		"\"b\":{\"html\":\"<a href=\\\"x\\\">&amp;\u2028</a>\",\"float\":3}}"
	if string(got) != want {
		t.Errorf("Marshal\n got %s\nwant %s", got, want)
	}
	if _, err := Marshal(math.Inf(1)); err == nil {
		t.Error("Marshal(+Inf): got no error, want encoding/json's")
	}
}

func TestDepthMatchesEncodingJSON(t *testing.T) {
	for _, n := range []int{MaxDepth, MaxDepth + 1} {
		doc := []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
		_, err := Canonical(doc)
		if got, want := err == nil, json.Valid(doc); got != want {
			t.Errorf("nesting %d: Canonical accepts %v, encoding/json %v", n, got, want)
		}
	}
}

func BenchmarkCanonical(b *testing.B) {
	doc := []byte(`{"type":"customer.updated","timestamp":"2026-10-01T12:00:00.123456Z","data":{"id":"9c1e4a52-8d3f-4b7a-9e2c-5f6a7b8c9d0e","created_at":"2026-10-01T12:00:00Z","modified_at":null,"metadata":{"plan":"pro","seats":3,"ratio":0.25},"external_id":"u_123","email":"ada@example.com","email_verified":true,"type":"individual","name":"Ada <Lovelace> & co","billing_name":null,"billing_address":null,"tax_id":null,"locale":"en","organization_id":"0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e","default_payment_method_id":null,"deleted_at":null,"first_user_event_at":null,"avatar_url":"https://www.gravatar.com/avatar/x?d=404"}}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Canonical(doc); err != nil {
			b.Fatal(err)
		}
	}
}
