package openapitest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// methods are the OpenAPI operation keys of a path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// CheckRoutes compares a server's route table with doc and returns every
// problem, sorted: routes the document does not describe, documented
// operations no route serves, and path parameters named differently.
//
// Each route is {method, pattern}. The pattern is a Go 1.22 ServeMux
// pattern and may carry the method itself ("GET /v1/customers/{id}");
// a trailing "{$}" is dropped and "{name...}" read as "{name}". Trailing
// slashes are significant: "/v1/customers" and "/v1/customers/" are
// different paths. A route without a method stands for every method the
// document lists for its path. Routes the caller does not want documented
// (redirects, catch-alls) must be filtered out before the call.
func CheckRoutes(doc []byte, routes [][2]string) []string {
	root, err := decodeJSON(doc)
	if err != nil {
		return []string{fmt.Sprintf("openapi document: %v", err)}
	}
	ops := operations(root)
	byShape := map[string]string{} // "GET /v1/customers/{}" -> documented path
	for _, op := range ops {
		byShape[op[0]+" "+shape(op[1])] = op[1]
	}
	covered := map[string]bool{}
	var problems []string
	for _, r := range routes {
		method, path := splitRoute(r[0], r[1])
		var want []string
		if method == "" {
			for _, op := range ops {
				if shape(op[1]) == shape(path) {
					want = append(want, op[0])
				}
			}
			if len(want) == 0 {
				problems = append(problems, fmt.Sprintf("route %s (any method) is not in the document", path))
			}
		} else {
			want = []string{method}
		}
		for _, m := range want {
			key := m + " " + shape(path)
			docPath, ok := byShape[key]
			if !ok {
				problems = append(problems, fmt.Sprintf("route %s %s is not in the document", m, path))
				continue
			}
			covered[key] = true
			if docPath != path {
				problems = append(problems, fmt.Sprintf("route %s %s is documented as %s (path parameter names differ)", m, path, docPath))
			}
		}
	}
	for _, op := range ops {
		if !covered[op[0]+" "+shape(op[1])] {
			problems = append(problems, fmt.Sprintf("documented %s %s has no route", op[0], op[1]))
		}
	}
	slices.Sort(problems)
	return slices.Compact(problems)
}

// ResponseSchema returns the schema a response to method and path with
// status must match, as a reference Validate accepts: the $ref of the
// documented application/json schema when it is a plain reference, else a
// JSON pointer to the inline schema. path is a request path (escaped, as
// URL.EscapedPath gives it; a query string is ignored) or a route pattern;
// literal segments win over parameters, so /v1/customers/export is not
// /v1/customers/{id}. ok is false when the operation or the status is not
// documented. A documented response without a JSON body (204, text/csv)
// gives "" and ok true; ResponseMediaType tells which.
func ResponseSchema(doc []byte, method, path string, status int) (string, bool) {
	_, ptr, media, ok := findResponse(doc, method, path, status)
	if !ok {
		return "", false
	}
	if media != "application/json" {
		return "", true
	}
	return ptr, true
}

// ResponseMediaType returns the media type documented for a response
// ("application/json", "text/csv"), or "" when the response has no body.
// ok is false as for ResponseSchema.
func ResponseMediaType(doc []byte, method, path string, status int) (string, bool) {
	_, _, media, ok := findResponse(doc, method, path, status)
	return media, ok
}

// OperationSecurity returns the security scheme ("organization_token",
// "customer_session") and accepted scopes documented for the operation
// method pattern (matched like ResponseSchema's path), so a route table's
// auth kind and scopes can be checked against the document. A public
// operation gives "" and no scopes. ok is false when the operation is not
// documented.
func OperationSecurity(doc []byte, method, pattern string) (scheme string, scopes []string, ok bool) {
	root, err := decodeJSON(doc)
	if err != nil {
		return "", nil, false
	}
	m := strings.ToLower(method)
	docPath, found := matchPath(root, m, pattern)
	if !found {
		return "", nil, false
	}
	sec, _ := pointer(root, "/paths/"+escapePointer(docPath)+"/"+m+"/security")
	reqs, _ := sec.([]any)
	for _, req := range reqs {
		for name, list := range req.(map[string]any) {
			scheme = name
			items, _ := list.([]any)
			for _, s := range items {
				scopes = append(scopes, fmt.Sprint(s))
			}
		}
	}
	return scheme, scopes, true
}

// findResponse locates a documented response. ptr is the schema reference
// for its first media type.
func findResponse(doc []byte, method, path string, status int) (root any, ptr, media string, ok bool) {
	root, err := decodeJSON(doc)
	if err != nil {
		return nil, "", "", false
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	docPath, found := matchPath(root, strings.ToLower(method), path)
	if !found {
		return nil, "", "", false
	}
	base := "#/paths/" + escapePointer(docPath) + "/" + strings.ToLower(method) + "/responses"
	responses, _ := pointer(root, base[1:])
	rs, _ := responses.(map[string]any)
	code := strconv.Itoa(status)
	for _, key := range []string{code, code[:1] + "XX", "default"} {
		if resp, ok := rs[key].(map[string]any); ok {
			base += "/" + key
			if ref, ok := resp["$ref"].(string); ok {
				r, err := resolveRef(root, ref)
				if resp, ok = r.(map[string]any); err != nil || !ok {
					return nil, "", "", false
				}
				base = ref
			}
			media, ptr = firstMedia(resp, base)
			return root, ptr, media, true
		}
	}
	return nil, "", "", false
}

// firstMedia returns the response's media type (application/json first)
// and the reference of its schema.
func firstMedia(resp map[string]any, base string) (media, ptr string) {
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		return "", ""
	}
	media = "application/json"
	if _, ok := content[media]; !ok {
		keys := make([]string, 0, len(content))
		for k := range content {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		media = keys[0]
	}
	mt, _ := content[media].(map[string]any)
	schema, _ := mt["schema"].(map[string]any)
	if ref, ok := schema["$ref"].(string); ok && len(schema) == 1 {
		return media, ref
	}
	return media, base + "/content/" + escapePointer(media) + "/schema"
}

// matchPath finds the documented path template with an operation for
// method that matches path, preferring literal segments over parameters
// from left to right.
func matchPath(root any, method, path string) (string, bool) {
	paths, _ := pointer(root, "/paths")
	pm, _ := paths.(map[string]any)
	want := strings.Split(path, "/")
	best, bestScore := "", ""
	for tmpl, item := range pm {
		if ops, _ := item.(map[string]any); ops[method] == nil {
			continue
		}
		segs := strings.Split(tmpl, "/")
		if len(segs) != len(want) {
			continue
		}
		score := make([]byte, len(segs)) // '1' literal, '0' parameter: bigger is more specific
		matched := true
		for i, s := range segs {
			switch {
			case s == want[i]:
				score[i] = '1'
			case isParam(s) && want[i] != "":
				score[i] = '0'
			default:
				matched = false
			}
			if !matched {
				break
			}
		}
		if matched && string(score) > bestScore {
			best, bestScore = tmpl, string(score)
		}
	}
	return best, best != ""
}

// operations lists every documented {METHOD, path}.
func operations(root any) [][2]string {
	paths, _ := pointer(root, "/paths")
	pm, _ := paths.(map[string]any)
	var out [][2]string
	for p, item := range pm {
		ops, _ := item.(map[string]any)
		for _, m := range methods {
			if _, ok := ops[m]; ok {
				out = append(out, [2]string{strings.ToUpper(m), p})
			}
		}
	}
	return out
}

// splitRoute normalizes a route to an upper-case method and an OpenAPI path.
func splitRoute(method, pattern string) (string, string) {
	pattern = strings.TrimSpace(pattern)
	if m, rest, ok := strings.Cut(pattern, " "); ok && !strings.HasPrefix(m, "/") {
		if method == "" {
			method = m
		}
		pattern = strings.TrimSpace(rest)
	}
	pattern = strings.TrimSuffix(pattern, "{$}")
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if isParam(s) {
			segs[i] = strings.TrimSuffix(s[:len(s)-1], "...") + "}"
		}
	}
	return strings.ToUpper(strings.TrimSpace(method)), strings.Join(segs, "/")
}

// shape replaces every path parameter of p with "{}".
func shape(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if isParam(s) {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

func isParam(seg string) bool {
	return len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}
