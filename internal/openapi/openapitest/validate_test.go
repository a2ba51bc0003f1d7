package openapitest

import (
	"strings"
	"testing"
)

// testDoc exercises every keyword Validate supports.
const testDoc = `{
  "components": {"schemas": {
    "Thing": {
      "type": "object",
      "required": ["id", "when", "kind", "tags", "n", "maybe", "child"],
      "additionalProperties": false,
      "properties": {
        "id": {"type": "string", "format": "uuid"},
        "when": {"type": ["string", "null"], "format": "date-time"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 3}, "maxItems": 2},
        "n": {"type": "integer", "minimum": 0, "maximum": 10},
        "maybe": {"anyOf": [{"$ref": "#/components/schemas/Child"}, {"type": "null"}]},
        "child": {"$ref": "Child"},
        "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}], "items": false, "minItems": 2},
        "url": {"type": "string", "format": "uri", "pattern": "^https?:"},
        "fixed": {"const": "x"},
        "map": {"type": "object", "maxProperties": 2, "propertyNames": {"maxLength": 3},
                "additionalProperties": {"type": ["string", "boolean"]}},
        "one": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
        "both": {"allOf": [{"type": "string"}, {"minLength": 2}]}
      }
    },
    "Child": {"type": "object", "required": ["k"], "properties": {"k": {"type": "boolean"}}}
  }}
}`

const validThing = `{"id":"5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f","when":"2026-08-22T10:00:00.123456Z",
 "kind":"a","tags":["x","abc"],"n":3,"maybe":null,"child":{"k":true},"pair":["s",1.5],
 "url":"https://e.com/","fixed":"x","map":{"a":"s","bb":false},"one":1.5,"both":"ab"}`

func TestValidateAcceptsValidBodies(t *testing.T) {
	for name, body := range map[string]string{
		"full":          validThing,
		"nullable time": strings.Replace(validThing, `"2026-08-22T10:00:00.123456Z"`, `null`, 1),
		"offset time":   strings.Replace(validThing, `.123456Z"`, `+02:00"`, 1),
		"ref in anyOf":  strings.Replace(validThing, `"maybe":null`, `"maybe":{"k":false}`, 1),
		"integer 3.0":   strings.Replace(validThing, `"n":3`, `"n":3.0`, 1),
		"optional keys": `{"id":"5b0e7c3e-2f7a-4a8f-9f0e-0a3c2b1d4e5f","when":null,"kind":"b","tags":[],"n":0,"maybe":null,"child":{"k":false}}`,
	} {
		if err := ValidateDocument([]byte(testDoc), "#/components/schemas/Thing", []byte(body)); err != nil {
			t.Errorf("%s: got %v, want valid", name, err)
		}
	}
}

func TestValidateRejectsInvalidBodies(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"missing key", `"kind":"a",`, ``, `missing required key "kind"`},
		{"extra key", `"n":3,`, `"n":3,"zzz":1,`, `unexpected key "zzz"`},
		{"bad uuid", `5b0e7c3e-`, `5b0e7c3x-`, `$.id: "5b0e7c3x-`},
		{"naive time", `.123456Z"`, `"`, `$.when: "2026-08-22T10:00:00" is not a valid date-time`},
		{"wrong type", `"n":3`, `"n":"3"`, `$.n: got string, want integer`},
		{"float for integer", `"n":3`, `"n":3.5`, `$.n: got number, want integer`},
		{"below minimum", `"n":3`, `"n":-1`, `less than the minimum`},
		{"above maximum", `"n":3`, `"n":11`, `more than the maximum`},
		{"enum", `"kind":"a"`, `"kind":"c"`, `$.kind: "c" is not one of ["a","b"]`},
		{"null not allowed", `"kind":"a"`, `"kind":null`, `$.kind: got null, want string`},
		{"item type", `["x","abc"]`, `["x",1]`, `$.tags[1]: got number, want string`},
		{"too short", `["x","abc"]`, `["","abc"]`, `$.tags[0]: 0 characters, want at least 1`},
		{"too long", `["x","abc"]`, `["x","abcd"]`, `$.tags[1]: 4 characters, want at most 3`},
		{"too many items", `["x","abc"]`, `["x","y","z"]`, `3 items, want at most 2`},
		{"ref target", `"child":{"k":true}`, `"child":{"k":1}`, `$.child.k: got number, want boolean`},
		{"ref required", `"child":{"k":true}`, `"child":{}`, `$.child: missing required key "k"`},
		{"anyOf none", `"maybe":null`, `"maybe":{"k":"no"}`, `$.maybe: matches no anyOf alternative`},
		{"prefixItems", `["s",1.5]`, `[1,1.5]`, `$.pair[0]: got number, want string`},
		{"items false", `["s",1.5]`, `["s",1.5,2]`, `$.pair[2]: no value is allowed here`},
		{"minItems", `["s",1.5]`, `["s"]`, `1 items, want at least 2`},
		{"relative uri", `"https://e.com/"`, `"/relative"`, `not a valid uri`},
		{"pattern", `"https://e.com/"`, `"ftp://e.com/"`, `does not match ^https?:`},
		{"const", `"fixed":"x"`, `"fixed":"y"`, `$.fixed: got "y", want "x"`},
		{"map value", `"bb":false`, `"bb":1`, `$.map.bb: got number, want string or boolean`},
		{"map key", `"bb":false`, `"bbbb":false`, `$.map.bbbb (key): 4 characters, want at most 3`},
		{"map size", `"bb":false`, `"bb":false,"c":"d"`, `3 keys, want at most 2`},
		{"oneOf twice", `"one":1.5`, `"one":1`, `matches 2 oneOf alternatives`},
		{"allOf", `"both":"ab"`, `"both":"a"`, `$.both: 1 characters, want at least 2`},
		{"root type", validThing, `[]`, `$: got array, want object`},
		{"not json", validThing, `{"id":`, `invalid json`},
		{"trailing data", validThing, validThing + ` {}`, `data after the first value`},
	} {
		body := strings.Replace(validThing, tc.from, tc.to, 1)
		if body == validThing {
			t.Fatalf("%s: replacing %q changed nothing", tc.name, tc.from)
		}
		err := ValidateDocument([]byte(testDoc), "Thing", []byte(body))
		if err == nil {
			t.Errorf("%s: got valid, want an error containing %q", tc.name, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	body := `{"id":1,"when":2,"kind":3,"tags":4,"n":"5","maybe":6,"child":7}`
	err := ValidateDocument([]byte(testDoc), "Thing", []byte(body))
	if err == nil {
		t.Fatal("got valid, want 7 problems")
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 7 {
		t.Errorf("got %d problems, want 7:\n%v", n, err)
	}
}

func TestValidateBadReference(t *testing.T) {
	for _, ref := range []string{"", "Nope", "#/components/schemas/Nope", "#/x~1y"} {
		if err := ValidateDocument([]byte(testDoc), ref, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "reference") {
			t.Errorf("ref %q: got %v, want a reference error", ref, err)
		}
	}
	if err := ValidateDocument([]byte(`{`), "Thing", []byte(`{}`)); err == nil {
		t.Error("broken document: got nil, want an error")
	}
}

func TestValidateEmbeddedErrorBodies(t *testing.T) {
	for _, tc := range []struct {
		ref, body string
		ok        bool
	}{
		{"ResourceNotFound", `{"error":"ResourceNotFound","detail":"Not found"}`, true},
		{"ResourceNotFound", `{"detail":"Not Found"}`, false},
		{"Unauthorized", `{"error":"Unauthorized","detail":"Unauthorized"}`, true},
		{"InvalidToken", `{"error":"invalid_token","error_description":"The access token provided is expired, revoked, malformed, or invalid for other reasons.","reason":"expired"}`, true},
		{"InvalidToken", `{"error":"invalid_token","error_description":"x"}`, false},
		{"InvalidToken", `{"error":"invalid_token","error_description":"x","reason":"stale"}`, false},
		{"InsufficientScope", `{"error":"insufficient_scope","error_description":"x"}`, true},
		{"HTTPValidationError", `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body","individual","email"],"msg":"Field required","input":{}}]}`, true},
		{"HTTPValidationError", `{"error":"PolarRequestValidationError","detail":[{"type":"enum","loc":["query","sorting",0],"msg":"m","input":"foo","ctx":{"expected":"x"}}]}`, true},
		{"HTTPValidationError", `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["body"],"msg":"Field required"}]}`, false},
		{"HTTPValidationError", `{"error":"RequestValidationError","detail":[{"type":"missing","loc":[true],"msg":"m","input":null}]}`, false},
		{"ServiceUnavailable", `{"error":"ServiceUnavailable","detail":"The service is temporarily unavailable."}`, true},
		{"CustomerSessionCodeInvalidOrExpired", `{"error":"CustomerSessionCodeInvalidOrExpired","detail":"This customer session code is invalid or has expired."}`, true},
	} {
		err := Validate(tc.ref, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("Validate(%s, %s) = %v, want ok=%v", tc.ref, tc.body, err, tc.ok)
		}
	}
}
