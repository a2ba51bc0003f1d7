package httpapi

import "testing"

// TestAppendJSONStringEscapes pins the escapes that matter to the contract.
func TestAppendJSONStringEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"<a&b>":        `"<a&b>"`,
		"\u2028\u2029": `"\u2028\u2029"`,
		"\"\\\n\t\x01": `"\"\\\n\t\u0001"`,
		"\xff":         `"\ufffd"`,
		"é":            `"é"`,
	} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}
