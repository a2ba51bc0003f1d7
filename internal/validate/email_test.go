package validate

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEmailValid(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jane@example.com", "jane@example.com"},
		{"  Jane.Doe@Example.COM ", "Jane.Doe@example.com"},
		{"Jane Doe <jane@example.com>", "jane@example.com"},
		{`"Doe, Jane" <Jane@Example.com>`, "Jane@example.com"},
		{"<jane@example.com>", "jane@example.com"},
		{"Info@Example.com", "info@example.com"},
		{"a+tag_x{}|~!#$%&'*/=?^`@sub.example.co.uk", "a+tag_x{}|~!#$%&'*/=?^`@sub.example.co.uk"},
		{"jörg@example.de", "jörg@example.de"},
		{"user@xn--bcher-kva.de", "user@bücher.de"},
		{"user@a-b.example", "user@a-b.example"},
		{strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
	}
	for _, tt := range tests {
		got, err := Email([]any{"body", "email"}, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Email(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestEmailInvalid(t *testing.T) {
	label := strings.Repeat("d", 63)
	tests := []struct{ in, reason string }{
		{"janeexample.com", "An email address must have an @-sign."},
		{"", "An email address must have an @-sign."},
		{"@example.com", "There must be something before the @-sign."},
		{"jane@", "There must be something after the @-sign."},
		{"jane@localhost", "The part after the @-sign is not valid. It should have a period."},
		{"jane@example.test", "The part after the @-sign is a special-use or reserved name that cannot be used with email."},
		{"jane@printer.local", "The part after the @-sign is a special-use or reserved name that cannot be used with email."},
		{"jane@x.localhost", "The part after the @-sign is a special-use or reserved name that cannot be used with email."},
		{"jane@EXAMPLE.INVALID", "The part after the @-sign is a special-use or reserved name that cannot be used with email."},
		{"jane@abc.onion", "The part after the @-sign is a special-use or reserved name that cannot be used with email."},
		{"jane@1.in-addr.arpa", "The part after the @-sign is a special-use or reserved name that cannot be used with email."},
		{"jane..doe@example.com", "An email address cannot have two periods in a row."},
		{".jane@example.com", "An email address cannot start with a period."},
		{"jane.@example.com", "An email address cannot have a period immediately before the @-sign."},
		{`"jane"@example.com`, "Quoting the part before the @-sign is not allowed here."},
		{strings.Repeat("a", 65) + "@example.com", "The email address is too long before the @-sign (1 character too many)."},
		{strings.Repeat("a", 66) + "@example.com", "The email address is too long before the @-sign (2 characters too many)."},
		{"jane doe@example.com", "The email address contains invalid characters before the @-sign: SPACE."},
		{"a<b>@example.com", "The email address contains invalid characters before the @-sign: '<', '>'."},
		{"jane@exa_mple.com", "The part after the @-sign contains invalid characters: '_'."},
		{"jane@-example.com", "An email address cannot have a hyphen immediately after the @-sign."},
		{"jane@example.com.", "An email address cannot end with a period."},
		{"jane@.example.com", "An email address cannot have a period immediately after the @-sign."},
		{"jane@example..com", "An email address cannot have two periods in a row."},
		{"jane@ex-.com", "An email address cannot have a period and a hyphen next to each other."},
		{"jane@ab--c.com", "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode."},
		{"jane@example.123", "The part after the @-sign is not valid. It is not within a valid top-level domain."},
		{"jane@[192.0.2.1]", "A bracketed IP address after the @-sign is not allowed here."},
		{"jane@a@example.com", "The part after the @-sign contains invalid characters: '@'."},
		{"jane@" + label + "d.com", "After the @-sign, periods cannot be separated by so many characters (1 character too many)."},
		{"j@" + label + "." + label + "." + label + "." + label + ".com", "The email address is too long after the @-sign (6 characters too many)."},
		{strings.Repeat("a", 64) + "@" + label + "." + label + "." + label + ".com", "The email address is too long (6 characters too many)."},
		{strings.Repeat("a", 2049), "Length must not exceed 2048 characters"},
		{"jane@xn--zz-.com", "An email address cannot have a period and a hyphen next to each other."},
		{"jane@xn--a.com", `The part after the @-sign is not valid IDNA (Codepoint U+0080 at position 1 of '\x80' not allowed).`},
		{"jane@xn--abc-.com", "An email address cannot have a period and a hyphen next to each other."},
		{"jane@xn--example-.com", "An email address cannot have a period and a hyphen next to each other."},
		{"jane\u202e@example.com", "The email address contains unsafe characters: U+202E."},
	}
	for _, tt := range tests {
		_, err := Email([]any{"body", "email"}, tt.in)
		if err == nil {
			t.Errorf("Email(%q) accepted, want %q", tt.in, tt.reason)
			continue
		}
		if err.Ctx["reason"] != tt.reason || err.Msg != "value is not a valid email address: "+tt.reason {
			t.Errorf("Email(%q) reason = %q, want %q", tt.in, err.Ctx["reason"], tt.reason)
		}
	}
}

// TestEmailConfusables checks that a look-alike domain keeps its own
// address (the Cyrillic а is not folded into "example.com") while the
// spellings UTS #46 maps, fullwidth letters and the ideographic full stop,
// become the ASCII address as they do in email-validator; invisible and
// trailing characters are refused.
func TestEmailConfusables(t *testing.T) {
	for in, want := range map[string]string{
		"jane@exаmple.com":      "jane@exаmple.com", // Cyrillic а
		"jane@ｅｘａｍｐｌｅ.com":      "jane@example.com", // fullwidth
		"jane@example\u3002com": "jane@example.com", // ideographic full stop
	} {
		if got, err := Email(nil, in); err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"jane@ex\u200bample.com", "jane@xn--exmple-cua.com."} {
		if got, err := Email(nil, in); err == nil {
			t.Errorf("Email(%q) = %q, want an error", in, got)
		}
	}
}

func TestEmailErrorJSON(t *testing.T) {
	loc := []any{"body", "individual", "email"}
	_, err := Email(loc, "jane@localhost")
	got, _ := json.Marshal(err)
	want := `{"type":"value_error","loc":["body","individual","email"],"msg":"value is not a valid email address: The part after the @-sign is not valid. It should have a period.","input":"jane@localhost","ctx":{"reason":"The part after the @-sign is not valid. It should have a period."}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	loc[2] = "x"
	if err.Loc[2] != "email" {
		t.Error("error loc aliases the caller's slice")
	}
}
