package validate

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/bidirule"
)

// checkErr asserts the invariants every field error keeps: a type, a
// message and a loc that starts with the caller's loc.
func checkErr(t *testing.T, loc []any, typ string, msg string, errLoc []any) {
	t.Helper()
	if typ == "" || msg == "" || len(errLoc) < len(loc) {
		t.Fatalf("malformed error type=%q msg=%q loc=%v", typ, msg, errLoc)
	}
	for i := range loc {
		if errLoc[i] != loc[i] {
			t.Fatalf("error loc %v does not start with %v", errLoc, loc)
		}
	}
}

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"jane@example.com", "Jane <J@Example.COM>", "a..b@c.d", "user@xn--bcher-kva.de", "x@exаmple.com", "@", "\"q\"@x.io",
		"müller@BÜCHER.DE", "user@שלום1.com", "user@1שלום.com", "user@例子。中国", "user@xn--mgbb899q.com", "user@☃.net", "user@xn--a.com"} {
		f.Add(s)
	}
	loc := []any{"body", "email"}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Email(loc, s)
		if err != nil {
			checkErr(t, loc, err.Type, err.Msg, err.Loc)
			return
		}
		if utf8.RuneCountInString(got) > emailMax || !strings.Contains(got, "@") {
			t.Fatalf("Email(%q) = %q breaks the length or shape rules", s, got)
		}
		// A joiner (ZWNJ, ZWJ) can only arrive in an xn-- label: typed
		// as Unicode it is refused as unsafe, in email-validator too, so
		// such an address validates only in its ASCII spelling.
		if again, err := Email(loc, got); !strings.ContainsAny(got, "\u200c\u200d") && (err != nil || again != got) {
			t.Fatalf("Email(%q) = %q, which re-validates to %q, %+v", s, got, again, err)
		}
		// The xn-- spelling of the address is the same address.
		at := strings.LastIndexByte(got, '@')
		ascii, r := toASCII(got[at+1:])
		if again, err := Email(loc, got[:at+1]+ascii); r != "" || err != nil || again != got {
			t.Fatalf("Email(%q) = %q, whose ASCII form %q (%s) re-validates to %q, %+v", s, got, ascii, r, again, err)
		}
	})
}

// FuzzIDNALabel checks checkLabel against x/text's RFC 5893 implementation
// (the two must agree on every right-to-left label whose code points are
// valid) and that a valid label survives the A-label round trip.
func FuzzIDNALabel(f *testing.F) {
	for _, s := range []string{"bücher", "שלום1", "1שלום", "שלוםabc", "ا1٢", "مثال", "ب\u200cا", "a·b", "l·l", "☃"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsRune(s, '.') {
			return
		}
		r := checkLabel(s)
		if r == "" {
			a := s
			if !isASCII(s) {
				a, _ = idna.Punycode.ToASCII(s)
			}
			if u, r := toULabel(a); r != "" || u != s {
				t.Fatalf("checkLabel(%q) passed, but its A-label %q decodes to %q (%s)", s, a, u, r)
			}
		}
		rs := []rune(s)
		if len(rs) == 0 || !rtlLabel(rs) {
			return
		}
		for _, c := range rs {
			if codepointClass(c) != pvalid {
				return
			}
		}
		if (checkBidi(rs) == "") != bidirule.ValidString(s) {
			t.Fatalf("checkBidi(%q) = %q, bidirule.ValidString = %v", s, checkBidi(rs), bidirule.ValidString(s))
		}
	})
}

func FuzzTaxID(f *testing.F) {
	for _, s := range [][2]string{{"FR", "FR61954506077"}, {"GR", "EL 094259216"}, {"GB", "GB980780684"}, {"US", "91-1144442"},
		{"CA", "123026635RT0001"}, {"AU", "51 824 753 556"}, {"CH", "CHE-100.155.212 MWST"}, {"BE", "BE (0)468.561.072"},
		{"NL", "NL4495445B01"}, {"ES", "X-5253868-R"}, {"IE", "8D79739I"}, {"RO", "1630615123457"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, country, raw string) {
		got, err := TaxID(nil, country, raw)
		if err != nil {
			if err.Type != "invalid" || err.Input != raw {
				t.Fatalf("TaxID(%q, %q) error %+v", country, raw, err)
			}
			return
		}
		if got.Number == "" || got.Format == "" {
			t.Fatalf("TaxID(%q, %q) = %v", country, raw, got)
		}
		if again, err := TaxID(nil, country, got.Number); err != nil || again != got {
			t.Fatalf("TaxID(%q, %q) = %v, which re-validates to %v, %+v", country, raw, got, again, err)
		}
	})
}

func FuzzAddress(f *testing.F) {
	for _, s := range []string{`{"country":"us","state":"ca","line1":" 1 Main "}`, `{"country":"CA","state":"CA-QC"}`, `null`, `"x"`,
		`{"country":"RU"}`, `{"line1":5}`, `{"country":"FR","city":"a\u0000"}`, `[]`} {
		f.Add(s)
	}
	loc := []any{"body", "billing_address"}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		a, errs := Address(loc, json.RawMessage(s))
		for _, e := range errs {
			checkErr(t, loc, e.Type, e.Msg, e.Loc)
		}
		if a == nil {
			return
		}
		if len(errs) > 0 || !allowedCountries[a.Country] {
			t.Fatalf("Address(%s) = %+v with errors %+v", s, a, errs)
		}
		b, _ := json.Marshal(a)
		again, errs := Address(loc, b)
		if errs != nil || mustJSON(t, again) != string(b) {
			t.Fatalf("Address(%s) = %s, which re-validates to %+v, %+v", s, b, again, errs)
		}
	})
}

func FuzzMetadata(f *testing.F) {
	for _, s := range []string{`{"a":"b","n":1,"f":1.5,"t":true}`, `{"":1}`, `{"k":""}`, `{"k":null}`, `[1]`, `{"k":"a\u0000"}`, `{"k":{"x":[1]}}`} {
		f.Add(s)
	}
	loc := []any{"body", "metadata"}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		md, errs := Metadata(loc, json.RawMessage(s))
		for _, e := range errs {
			checkErr(t, loc, e.Type, e.Msg, e.Loc)
		}
		if errs != nil {
			return
		}
		if len(md) > metadataMaxKeys {
			t.Fatalf("Metadata(%s) kept %d keys", s, len(md))
		}
		b, err := json.Marshal(md)
		if err != nil {
			t.Fatalf("Metadata(%s) = %v does not marshal: %v", s, md, err)
		}
		again, errs := Metadata(loc, b)
		if errs != nil || mustJSON(t, again) != string(b) {
			t.Fatalf("Metadata(%s) = %s, which re-validates to %v, %+v", s, b, again, errs)
		}
	})
}

func FuzzLocale(f *testing.F) {
	for _, s := range []string{"en-us", "zh-hant-tw", "und", "x-a", "de-CH-1996", "en-u-ca-gregory-x-p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Locale(nil, s)
		if err != nil {
			checkErr(t, nil, err.Type, err.Msg, err.Loc)
			return
		}
		if !strings.EqualFold(got, s) {
			t.Fatalf("Locale(%q) = %q changed more than case", s, got)
		}
		if again, err := Locale(nil, got); err != nil || again != got {
			t.Fatalf("Locale(%q) = %q, which re-validates to %q, %+v", s, got, again, err)
		}
	})
}

func FuzzReturnURL(f *testing.F) {
	for _, s := range []string{"https://example.com", "http://127.1:80/a/../b?c#d", "ftp://x", "//x", "http://[::1]/", "https://u:p@e.com/ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ReturnURL(nil, s)
		if err != nil {
			checkErr(t, nil, err.Type, err.Msg, err.Loc)
			return
		}
		if !strings.HasPrefix(got, "http://") && !strings.HasPrefix(got, "https://") {
			t.Fatalf("ReturnURL(%q) = %q", s, got)
		}
		if again, err := ReturnURL(nil, got); err != nil || again != got {
			t.Fatalf("ReturnURL(%q) = %q, which re-validates to %q, %+v", s, got, again, err)
		}
	})
}

func FuzzUUID4(f *testing.F) {
	for _, s := range []string{"5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f", "{5B0E7C3E-2F7A-4A8F-9F0E-0A3C2B1D4E5F}", "x", "urn:uuid:", "----"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := UUID4(nil, s)
		if err != nil {
			if err.Type != "uuid_parsing" && err.Type != "uuid_version" {
				t.Fatalf("UUID4(%q) error type %q", s, err.Type)
			}
			return
		}
		if len(got) != 36 || got != strings.ToLower(got) || got[14] != '4' {
			t.Fatalf("UUID4(%q) = %q", s, got)
		}
		if again, err := UUID4(nil, got); err != nil || again != got {
			t.Fatalf("UUID4(%q) = %q, which re-validates to %q, %+v", s, got, again, err)
		}
	})
}
