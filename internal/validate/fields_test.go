package validate

import (
	"encoding/json"
	"strings"
	"testing"
)

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}

func TestUUID4(t *testing.T) {
	const want = "5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f"
	for _, in := range []string{want, strings.ToUpper(want), "5b0e7c3e2f7a4a8f9f0e0a3c2b1d4e5f",
		"{5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f}", "urn:uuid:5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f"} {
		if got, err := UUID4(nil, in); err != nil || got != want {
			t.Errorf("UUID4(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	tests := []struct{ in, typ, detail string }{
		{"xyz", "uuid_parsing", "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `x` at 1"},
		{"abc", "uuid_parsing", "invalid length: expected length 32 for simple format, found 3"},
		{"", "uuid_parsing", "invalid length: expected length 32 for simple format, found 0"},
		{"not-a-uuid", "uuid_parsing", "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1"},
		{"5b0e7c3e-2f7a-4a8f-9f0e", "uuid_parsing", "invalid group count: expected 5, found 4"},
		{"5b0e7c3e2-f7a-4a8f-9f0e-0a3c2b1d4e5f", "uuid_parsing", "invalid group length in group 0: expected 8, found 9"},
		{"5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f0", "uuid_parsing", "invalid group length in group 4: expected 12, found 13"},
		{"5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4é5f", "uuid_parsing", "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `é` at 34"},
		{"00000000-0000-0000-0000-000000000000", "uuid_version", ""},
		{"c232ab00-9414-11ec-b3c8-9f6bdeced846", "uuid_version", ""},
	}
	for _, tt := range tests {
		_, err := UUID4([]any{"path", "id"}, tt.in)
		if err == nil || err.Type != tt.typ || (tt.detail != "" && err.Ctx["error"] != tt.detail) {
			t.Errorf("UUID4(%q) = %+v, want %s %q", tt.in, err, tt.typ, tt.detail)
		}
	}
	_, err := UUID4([]any{"path", "id"}, "not-a-uuid")
	if got, want := mustJSON(t, err), `{"type":"uuid_parsing","loc":["path","id"],"msg":"Input should be a valid UUID, invalid character: expected an optional prefix of `+"`urn:uuid:`"+` followed by [0-9a-fA-F-], found `+"`n`"+` at 1","input":"not-a-uuid","ctx":{"error":"invalid character: expected an optional prefix of `+"`urn:uuid:`"+` followed by [0-9a-fA-F-], found `+"`n`"+` at 1"}}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	_, err = UUID4([]any{"body", "organization_id"}, "00000000-0000-0000-0000-000000000000")
	if got, want := mustJSON(t, err), `{"type":"uuid_version","loc":["body","organization_id"],"msg":"UUID version 4 expected","input":"00000000-0000-0000-0000-000000000000","ctx":{"expected_version":4}}`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestReturnURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com", "https://example.com/"},
		{"https://example.com/return", "https://example.com/return"},
		{"HTTPS://EXAMPLE.com:443/a/./b/../c?x=1 2#frag ment", "https://example.com/a/c?x=1%202#frag%20ment"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:8080/", "http://example.com:8080/"},
		{"  https://e.com/ä  ", "https://e.com/%C3%A4"},
		{"https://user:pa ss@e.com/", "https://user:pa%20ss@e.com/"},
		{"https:\\\\e.com\\a\\b", "https://e.com/a/b"},
		{"http://127.1/", "http://127.0.0.1/"},
		{"http://0x7f.0.0.1/", "http://127.0.0.1/"},
		{"http://[::1]:3000/cb", "http://[::1]:3000/cb"},
		{"https://e.com?q", "https://e.com/?q"},
		{"https://e.com/..", "https://e.com/"},
	}
	for _, tt := range tests {
		got, err := ReturnURL([]any{"body", "return_url"}, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ReturnURL(%q) = %q, %+v; want %q", tt.in, got, err, tt.want)
			continue
		}
		if again, err := ReturnURL(nil, got); err != nil || again != got {
			t.Errorf("ReturnURL(%q) = %q, %+v; not stable", got, again, err)
		}
	}
	bad := []struct{ in, typ, detail string }{
		{"example.com", "url_parsing", "relative URL without a base"},
		{"/return", "url_parsing", "relative URL without a base"},
		{"", "url_parsing", "input is empty"},
		{"https://", "url_parsing", "empty host"},
		{"http://exa mple.com/", "url_parsing", "invalid domain character"},
		{"http://e.com:99999/", "url_parsing", "invalid port number"},
		{"http://e.com:8a/", "url_parsing", "invalid port number"},
		{"http://1.2.3.256/", "url_parsing", "invalid IPv4 address"},
		{"http://[::g]/", "url_parsing", "invalid IPv6 address"},
		{"http://bücher.de/", "url_parsing", "invalid international domain name"},
		{"ftp://example.com/", "url_scheme", ""},
		{"javascript:alert(1)", "url_scheme", ""},
		{"mailto:jane@example.com", "url_scheme", ""},
		{"https://e.com/" + strings.Repeat("a", 2070), "url_too_long", ""},
	}
	for _, tt := range bad {
		_, err := ReturnURL(nil, tt.in)
		if err == nil || err.Type != tt.typ || (tt.detail != "" && err.Ctx["error"] != tt.detail) {
			t.Errorf("ReturnURL(%q) = %+v, want %s %q", tt.in, err, tt.typ, tt.detail)
		}
	}
	for in, want := range map[string]string{
		"example.com":  `{"type":"url_parsing","loc":["body","return_url"],"msg":"Input should be a valid URL, relative URL without a base","input":"example.com","ctx":{"error":"relative URL without a base"}}`,
		"ftp://e.com/": `{"type":"url_scheme","loc":["body","return_url"],"msg":"URL scheme should be 'http' or 'https'","input":"ftp://e.com/","ctx":{"expected_schemes":"'http' or 'https'"}}`,
	} {
		_, err := ReturnURL([]any{"body", "return_url"}, in)
		if got := mustJSON(t, err); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	_, err := ReturnURL([]any{"body", "return_url"}, "https://e.com/"+strings.Repeat("a", 2070))
	if err.Msg != "URL should have at most 2083 characters" || err.Ctx["max_length"] != 2083 {
		t.Errorf("too long error = %+v", err)
	}
}

func TestLocale(t *testing.T) {
	for in, want := range map[string]string{
		"en": "en", "EN": "en", "en-us": "en-US", "zh-hant-tw": "zh-Hant-TW", "es-419": "es-419",
		"de-CH-1996": "de-CH-1996", "sr-latn-rs": "sr-Latn-RS", "fil": "fil", "en-US-u-ca-gregory": "en-US-u-ca-gregory",
		"en-x-private": "en-x-private", "zh-yue-HK": "zh-yue-HK",
	} {
		if got, err := Locale(nil, in); err != nil || got != want {
			t.Errorf("Locale(%q) = %q, %+v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "und", "x-klingon", "xx", "e", "english", "en_US", "en-", "en--US", "en-US-",
		"en-a", "en-u", "de-1996-1996", "en-a-bbb-a-ccc", "qaa", "en US", "en-US\x00", "123", "en-x"} {
		if got, err := Locale(nil, in); err == nil {
			t.Errorf("Locale(%q) = %q, want an error", in, got)
		}
	}
	_, err := Locale([]any{"body", "locale"}, "und")
	want := `{"type":"value_error","loc":["body","locale"],"msg":"Value error, Invalid IETF BCP 47 language tag","input":"und","ctx":{"error":{}}}`
	if got := mustJSON(t, err); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestStringHelpers(t *testing.T) {
	if p := TrimOrNil("  abc "); p == nil || *p != "abc" {
		t.Errorf("TrimOrNil(\"  abc \") = %v, want \"abc\"", p)
	}
	if p := TrimOrNil(" \t\n"); p != nil {
		t.Errorf("TrimOrNil(blank) = %q, want nil", *p)
	}
	if e := MaxLen(nil, strings.Repeat("é", 256), 256); e != nil {
		t.Errorf("MaxLen counts bytes: %+v", e)
	}
	e := MaxLen([]any{"body", "name"}, strings.Repeat("é", 257), 256)
	want := `{"type":"string_too_long","loc":["body","name"],"msg":"String should have at most 256 characters","input":"` + strings.Repeat("é", 257) + `","ctx":{"max_length":256}}`
	if got := mustJSON(t, e); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if NUL(nil, "abc") != nil {
		t.Error("NUL(abc) reported an error")
	}
	want = `{"type":"value_error","loc":["body","name"],"msg":"Value error, This value contains invalid characters","input":"a\u0000b","ctx":{"error":{}}}`
	if got := mustJSON(t, NUL([]any{"body", "name"}, "a\x00b")); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
