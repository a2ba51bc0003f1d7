package openapitest

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/openapi"
	"github.com/gatehouse/gatehouse/internal/token"
)

// mustDoc decodes the embedded document.
func mustDoc(t *testing.T) map[string]any {
	t.Helper()
	v, err := decodeJSON(openapi.Document())
	if err != nil {
		t.Fatalf("document does not parse: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("document is a %T, want an object", v)
	}
	return m
}

// mustGet follows a JSON pointer in doc.
func mustGet(t *testing.T, doc any, ptr string) any {
	t.Helper()
	v, ok := pointer(doc, ptr)
	if !ok {
		t.Fatalf("document has no %s", ptr)
	}
	return v
}

// walk calls fn for every object in v with its JSON pointer.
func walk(v any, at string, fn func(at string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(at, x)
		for k, c := range x {
			walk(c, at+"/"+escapePointer(k), fn)
		}
	case []any:
		for i, c := range x {
			walk(c, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

func TestDocumentHeader(t *testing.T) {
	doc := mustDoc(t)
	for ptr, want := range map[string]string{"/openapi": "3.1.0", "/info/title": "Gatehouse", "/info/version": "0.1.0"} {
		if got := mustGet(t, doc, ptr); got != want {
			t.Errorf("%s = %v, want %q", ptr, got, want)
		}
	}
}

func TestEveryRefResolves(t *testing.T) {
	doc := mustDoc(t)
	n := 0
	walk(doc, "", func(at string, m map[string]any) {
		ref, ok := m["$ref"].(string)
		if !ok {
			return
		}
		n++
		if !strings.HasPrefix(ref, "#/") {
			t.Errorf("%s: $ref %q is not local", at, ref)
		}
		if _, err := resolveRef(doc, ref); err != nil {
			t.Errorf("%s: %v", at, err)
		}
	})
	if n < 50 {
		t.Errorf("found %d $refs, want the document to use components (at least 50)", n)
	}
}

func TestEveryOperationIsComplete(t *testing.T) {
	doc := mustDoc(t)
	tags := map[string]bool{}
	for _, tg := range mustGet(t, doc, "/tags").([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}
	schemes := mustGet(t, doc, "/components/securitySchemes").(map[string]any)
	ids := map[string]string{}
	paramRE := regexp.MustCompile(`\{([^}]+)\}`)
	for _, op := range operations(doc) {
		name := op[0] + " " + op[1]
		o := mustGet(t, doc, "/paths/"+escapePointer(op[1])+"/"+strings.ToLower(op[0])).(map[string]any)
		id, _ := o["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", name)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q already used by %s", name, id, prev)
		}
		ids[id] = name
		if rs, _ := o["responses"].(map[string]any); len(rs) == 0 {
			t.Errorf("%s: no responses", name)
		}
		opTags, _ := o["tags"].([]any)
		if len(opTags) == 0 {
			t.Errorf("%s: no tags", name)
		}
		for _, tg := range opTags {
			if !tags[tg.(string)] {
				t.Errorf("%s: tag %v is not declared in /tags", name, tg)
			}
		}
		checkSecurity(t, name, o, schemes)
		checkBodyResponses(t, name, o)
		// Path parameters and the template agree both ways.
		declared := map[string]bool{}
		params, _ := o["parameters"].([]any)
		for _, p := range params {
			pm := p.(map[string]any)
			if ref, ok := pm["$ref"].(string); ok {
				r, _ := resolveRef(doc, ref)
				pm = r.(map[string]any)
			}
			if pm["in"] == "path" {
				declared[pm["name"].(string)] = true
				if pm["required"] != true {
					t.Errorf("%s: path parameter %v is not required", name, pm["name"])
				}
			}
		}
		for _, m := range paramRE.FindAllStringSubmatch(op[1], -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter %q is not declared", name, m[1])
			}
			delete(declared, m[1])
		}
		for p := range declared {
			t.Errorf("%s: declares path parameter %q that the path lacks", name, p)
		}
	}
}

// checkSecurity: every operation says who may call it; merchant scopes are
// the domain's and appear in the description.
func checkSecurity(t *testing.T, name string, o, schemes map[string]any) {
	t.Helper()
	sec, ok := o["security"].([]any)
	if !ok {
		t.Errorf("%s: no explicit security (use [] for public operations)", name)
		return
	}
	for _, req := range sec {
		for scheme, scopes := range req.(map[string]any) {
			if schemes[scheme] == nil {
				t.Errorf("%s: unknown security scheme %q", name, scheme)
			}
			for _, s := range scopes.([]any) {
				if scheme == "organization_token" && !slices.Contains(gatehouse.OrganizationScopes, gatehouse.Scope(s.(string))) {
					t.Errorf("%s: scope %v is not an organization scope", name, s)
				}
				if !strings.Contains(o["description"].(string), "`"+s.(string)+"`") {
					t.Errorf("%s: description does not name scope %v", name, s)
				}
			}
		}
	}
	if len(sec) > 0 {
		if _, ok := o["responses"].(map[string]any)["401"]; !ok {
			t.Errorf("%s: authenticated operation without a 401 response", name)
		}
	}
}

// checkBodyResponses: operations with a body document 411, 413 and 422.
func checkBodyResponses(t *testing.T, name string, o map[string]any) {
	t.Helper()
	if _, ok := o["requestBody"]; !ok {
		return
	}
	rs := o["responses"].(map[string]any)
	for _, code := range []string{"411", "413", "422"} {
		if _, ok := rs[code]; !ok {
			t.Errorf("%s: has a request body but no %s response", name, code)
		}
	}
}

// TestSchemaKeywordsAreKnown: the library ignores a keyword it does not
// know, so a typo ("maxlength") or an OpenAPI 3.0 leftover ("nullable")
// would silently check nothing. Every keyword must be JSON Schema 2020-12
// or an annotation of OpenAPI 3.1's base vocabulary, and every format one
// whose assertion Validate's documentation promises.
func TestSchemaKeywordsAreKnown(t *testing.T) {
	known := map[string]bool{}
	for _, k := range strings.Fields(`$schema $id $ref $anchor $dynamicRef $dynamicAnchor $vocabulary $comment $defs
		allOf anyOf oneOf not if then else dependentSchemas prefixItems items contains properties
		patternProperties additionalProperties propertyNames unevaluatedItems unevaluatedProperties
		type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength minLength
		pattern maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required
		dependentRequired format contentEncoding contentMediaType contentSchema
		title description default deprecated readOnly writeOnly examples
		discriminator xml externalDocs example`) {
		known[k] = true
	}
	asserted := map[string]bool{"date-time": true, "uuid": true, "uri": true}
	doc := mustDoc(t)
	n := 0
	forEachSchema(doc, func(at string, s map[string]any) {
		n++
		for k := range s {
			if !known[k] {
				t.Errorf("%s: keyword %q is not JSON Schema 2020-12: the validator would ignore it", at, k)
			}
		}
		if f, ok := s["format"].(string); ok && !asserted[f] {
			t.Errorf("%s: format %q: check that jsonschema/v6 asserts it, then list it here and in Validate's doc", at, f)
		}
	})
	if n < 200 {
		t.Errorf("visited %d schemas, want at least 200", n)
	}
}

// forEachSchema calls fn for every schema object in doc: the components,
// every parameter or media type "schema", and their subschemas.
func forEachSchema(doc any, fn func(at string, s map[string]any)) {
	var sub func(at string, v any)
	sub = func(at string, v any) {
		s, ok := v.(map[string]any)
		if !ok {
			return // boolean schema
		}
		fn(at, s)
		for _, kw := range strings.Fields(`additionalProperties items propertyNames not if then else contains
			unevaluatedItems unevaluatedProperties contentSchema`) {
			sub(at+"/"+kw, s[kw])
		}
		for _, kw := range []string{"prefixItems", "anyOf", "oneOf", "allOf"} {
			list, _ := s[kw].([]any)
			for i, x := range list {
				sub(at+"/"+kw+"/"+strconv.Itoa(i), x)
			}
		}
		for _, kw := range []string{"properties", "patternProperties", "$defs", "dependentSchemas"} {
			m, _ := s[kw].(map[string]any)
			for k, x := range m {
				sub(at+"/"+kw+"/"+escapePointer(k), x)
			}
		}
	}
	comps, _ := pointer(doc, "/components/schemas")
	for name, s := range comps.(map[string]any) {
		sub("/components/schemas/"+escapePointer(name), s)
	}
	walk(doc, "", func(at string, m map[string]any) {
		if s, ok := m["schema"]; ok {
			sub(at+"/schema", s)
		}
	})
}

func TestSecuritySchemesNameOurPrefixes(t *testing.T) {
	doc := mustDoc(t)
	for scheme, prefix := range map[string]string{"organization_token": token.PrefixOrganization, "customer_session": token.PrefixSession} {
		s := mustGet(t, doc, "/components/securitySchemes/"+scheme).(map[string]any)
		if s["type"] != "http" || s["scheme"] != "bearer" {
			t.Errorf("%s: type %v scheme %v, want http bearer", scheme, s["type"], s["scheme"])
		}
		if d, _ := s["description"].(string); !strings.Contains(d, prefix) {
			t.Errorf("%s: description %q does not name prefix %q", scheme, d, prefix)
		}
	}
	if raw := string(openapi.Document()); strings.Contains(raw, "polar_oat_") || strings.Contains(raw, "polar_cst_") {
		t.Error("document mentions Polar's token prefixes")
	}
}

func TestEnumsMatchDomain(t *testing.T) {
	doc := mustDoc(t)
	for ptr, want := range map[string][]any{
		"/components/schemas/InvalidToken/properties/reason/enum": {
			gatehouse.ReasonExpired, gatehouse.ReasonRevoked, gatehouse.ReasonUnknown, gatehouse.ReasonMalformed},
		"/components/schemas/CustomerSessionInfo/properties/revoked_reason/enum": {
			gatehouse.RevokedByMerchant, gatehouse.RevokedByLogout, gatehouse.RevokedLeaked, nil},
	} {
		got := mustGet(t, doc, ptr).([]any)
		if !sameSet(got, want) {
			t.Errorf("%s = %v, want %v", ptr, got, want)
		}
	}
}

func sameSet(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// TestResponseSchemasRequireEveryKey: the server always emits every key, so
// every property of a schema a response can reach is required.
func TestResponseSchemasRequireEveryKey(t *testing.T) {
	doc := mustDoc(t)
	optional := map[string]bool{"/components/schemas/ValidationError/properties/ctx": true} // omitempty on purpose
	seen := map[string]bool{}
	var visit func(at string, v any)
	visit = func(at string, v any) {
		walk(v, at, func(p string, m map[string]any) {
			if ref, ok := m["$ref"].(string); ok && !seen[ref] {
				seen[ref] = true
				target, _ := resolveRef(doc, ref)
				visit(ref[1:], target)
			}
			props, ok := m["properties"].(map[string]any)
			if !ok || strings.Contains(p, "/properties/owner") {
				return
			}
			req, _ := m["required"].([]any)
			for k := range props {
				if !slices.Contains(req, any(k)) && !optional[p+"/properties/"+k] {
					t.Errorf("%s: property %q reachable from a response is not required", p, k)
				}
			}
		})
	}
	for _, op := range operations(doc) {
		visit("/paths/"+escapePointer(op[1])+"/responses", mustGet(t, doc, "/paths/"+escapePointer(op[1])+"/"+strings.ToLower(op[0])+"/responses"))
	}
	if len(seen) < 20 {
		t.Errorf("visited %d referenced schemas, want at least 20", len(seen))
	}
}

// TestDocumentMatchesItsOwnSchema: the document, as served, is an
// OpenAPIDocument.
func TestDocumentMatchesItsOwnSchema(t *testing.T) {
	if err := Validate("OpenAPIDocument", openapi.Document()); err != nil {
		t.Errorf("document does not validate against its own schema: %v", err)
	}
}
