package openapitest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDepth stops a self-referencing schema from recursing forever.
const maxDepth = 64

// validator walks one JSON value against one schema, collecting problems.
type validator struct {
	root     any
	problems []string
}

func (v *validator) fail(at, format string, args ...any) {
	if len(v.problems) < maxProblems {
		v.problems = append(v.problems, at+": "+fmt.Sprintf(format, args...))
	}
}

// check validates val (at JSON path at) against schema.
func (v *validator) check(schema, val any, at string, depth int) {
	if depth > maxDepth {
		v.fail(at, "schema nesting deeper than %d", maxDepth)
		return
	}
	switch s := schema.(type) {
	case bool:
		if !s {
			v.fail(at, "no value is allowed here")
		}
		return
	case map[string]any:
		v.checkObjectSchema(s, val, at, depth)
	default:
		v.fail(at, "schema is neither an object nor a boolean")
	}
}

func (v *validator) checkObjectSchema(s map[string]any, val any, at string, depth int) {
	if ref, ok := s["$ref"].(string); ok {
		target, err := resolveRef(v.root, ref)
		if err != nil {
			v.fail(at, "%v", err)
			return
		}
		v.check(target, val, at, depth+1)
	}
	if t, ok := s["type"]; ok && !typeMatches(t, val) {
		v.fail(at, "got %s, want %s", jsonType(val), typeString(t))
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return jsonEqual(e, val) }) {
		v.fail(at, "%s is not one of %s", compact(val), compact(enum))
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, val) {
		v.fail(at, "got %s, want %s", compact(val), compact(c))
	}
	v.checkCombinators(s, val, at, depth)
	switch x := val.(type) {
	case map[string]any:
		v.checkObject(s, x, at, depth)
	case []any:
		v.checkArray(s, x, at, depth)
	case string:
		v.checkString(s, x, at)
	case json.Number:
		v.checkNumber(s, x, at)
	}
}

// checkCombinators handles allOf, anyOf and oneOf.
func (v *validator) checkCombinators(s map[string]any, val any, at string, depth int) {
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			v.check(sub, val, at, depth+1)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		alts, ok := s[kw].([]any)
		if !ok {
			continue
		}
		matched := 0
		var why []string
		for i, sub := range alts {
			sv := &validator{root: v.root}
			sv.check(sub, val, at, depth+1)
			if len(sv.problems) == 0 {
				matched++
			} else {
				why = append(why, fmt.Sprintf("alternative %d: %s", i+1, strings.Join(sv.problems, "; ")))
			}
		}
		switch {
		case matched == 0:
			v.fail(at, "matches no %s alternative (%s)", kw, strings.Join(why, " | "))
		case kw == "oneOf" && matched > 1:
			v.fail(at, "matches %d oneOf alternatives, want exactly 1", matched)
		}
	}
}

func (v *validator) checkObject(s map[string]any, obj map[string]any, at string, depth int) {
	if req, ok := s["required"].([]any); ok {
		for _, k := range req {
			if name, _ := k.(string); name != "" {
				if _, present := obj[name]; !present {
					v.fail(at, "missing required key %q", name)
				}
			}
		}
	}
	if n, ok := intKeyword(s, "maxProperties"); ok && len(obj) > n {
		v.fail(at, "%d keys, want at most %d", len(obj), n)
	}
	if n, ok := intKeyword(s, "minProperties"); ok && len(obj) < n {
		v.fail(at, "%d keys, want at least %d", len(obj), n)
	}
	props, _ := s["properties"].(map[string]any)
	extra, hasExtra := s["additionalProperties"]
	names, hasNames := s["propertyNames"]
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic problem order
	for _, k := range keys {
		child := at + "." + k
		if hasNames {
			v.check(names, k, child+" (key)", depth+1)
		}
		if ps, ok := props[k]; ok {
			v.check(ps, obj[k], child, depth+1)
			continue
		}
		if hasExtra {
			if b, ok := extra.(bool); ok && !b {
				v.fail(at, "unexpected key %q", k)
				continue
			}
			v.check(extra, obj[k], child, depth+1)
		}
	}
}

func (v *validator) checkArray(s map[string]any, arr []any, at string, depth int) {
	if n, ok := intKeyword(s, "minItems"); ok && len(arr) < n {
		v.fail(at, "%d items, want at least %d", len(arr), n)
	}
	if n, ok := intKeyword(s, "maxItems"); ok && len(arr) > n {
		v.fail(at, "%d items, want at most %d", len(arr), n)
	}
	prefix, _ := s["prefixItems"].([]any)
	for i, item := range arr {
		child := at + "[" + strconv.Itoa(i) + "]"
		if i < len(prefix) {
			v.check(prefix[i], item, child, depth+1)
		} else if items, ok := s["items"]; ok {
			v.check(items, item, child, depth+1)
		}
	}
}

func (v *validator) checkString(s map[string]any, str, at string) {
	n := utf8.RuneCountInString(str)
	if m, ok := intKeyword(s, "minLength"); ok && n < m {
		v.fail(at, "%d characters, want at least %d", n, m)
	}
	if m, ok := intKeyword(s, "maxLength"); ok && n > m {
		v.fail(at, "%d characters, want at most %d", n, m)
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		switch {
		case err != nil:
			v.fail(at, "bad pattern %q in schema: %v", p, err)
		case !re.MatchString(str):
			v.fail(at, "%q does not match %s", str, p)
		}
	}
	if f, ok := s["format"].(string); ok {
		if err := checkFormat(f, str); err != nil {
			v.fail(at, "%q is not a valid %s: %v", str, f, err)
		}
	}
}

func (v *validator) checkNumber(s map[string]any, n json.Number, at string) {
	f, err := n.Float64()
	if err != nil {
		v.fail(at, "number %s out of range", n)
		return
	}
	if m, ok := s["minimum"].(json.Number); ok {
		if mf, _ := m.Float64(); f < mf {
			v.fail(at, "%s is less than the minimum %s", n, m)
		}
	}
	if m, ok := s["maximum"].(json.Number); ok {
		if mf, _ := m.Float64(); f > mf {
			v.fail(at, "%s is more than the maximum %s", n, m)
		}
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkFormat checks the formats the document uses; others pass.
func checkFormat(format, s string) error {
	switch format {
	case "date-time":
		// time.RFC3339Nano requires the T separator and a Z or ±hh:mm offset.
		_, err := time.Parse(time.RFC3339Nano, s)
		return err
	case "uuid":
		if !uuidRE.MatchString(s) {
			return fmt.Errorf("want 8-4-4-4-12 hexadecimal digits")
		}
	case "uri":
		u, err := url.Parse(s)
		if err != nil {
			return err
		}
		if !u.IsAbs() {
			return fmt.Errorf("not an absolute uri")
		}
	}
	return nil
}

// typeMatches reports whether val has type t (a name or a list of names).
func typeMatches(t, val any) bool {
	switch tt := t.(type) {
	case string:
		return hasType(tt, val)
	case []any:
		return slices.ContainsFunc(tt, func(x any) bool { name, _ := x.(string); return hasType(name, val) })
	}
	return false
}

func hasType(name string, val any) bool {
	switch name {
	case "integer":
		n, ok := val.(json.Number)
		if !ok {
			return false
		}
		f, err := n.Float64()
		return err == nil && f == math.Trunc(f) && !math.IsInf(f, 0)
	case "number":
		_, ok := val.(json.Number)
		return ok
	}
	return jsonType(val) == name
}

// jsonType names val's JSON type ("number" for every number).
func jsonType(val any) string {
	switch val.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", val)
}

func typeString(t any) string {
	if list, ok := t.([]any); ok {
		names := make([]string, len(list))
		for i, x := range list {
			names[i] = fmt.Sprint(x)
		}
		return strings.Join(names, " or ")
	}
	return fmt.Sprint(t)
}

// jsonEqual compares two decoded JSON values; numbers compare by value.
func jsonEqual(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		af, err1 := an.Float64()
		bf, err2 := bn.Float64()
		return err1 == nil && err2 == nil && af == bf
	}
	return reflect.DeepEqual(a, b)
}

func intKeyword(s map[string]any, kw string) (int, bool) {
	n, ok := s[kw].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return int(i), err == nil
}

// compact renders a decoded value for a problem message, shortened.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}
