package httpapi

import (
	"net/http"
	"net/url"
	"strings"
)

// route is one entry of the route table.
type route struct {
	RouteInfo
	h handlerFunc
}

// segment is one parsed path segment of a pattern: a literal or, when param
// is set, a wildcard matching one non-empty segment.
type segment struct {
	lit   string
	param string
}

// router matches requests against the route table. It speaks the Go 1.22
// ServeMux pattern syntax ("METHOD /a/{b}") but is not a ServeMux: the
// contract's paths contain a pair ServeMux refuses as conflicting
// ("/v1/customers/external/{external_id}" and "/v1/customers/{id}/state");
// here a literal segment beats a wildcard, left to right. It also tells 404
// from 405 and finds the trailing-slash twin of a path, which the contract
// needs and ServeMux does not expose.
type router struct {
	routes   []route
	segs     [][]segment
	patterns []string // "METHOD /path" of each route, for r.Pattern
}

func newRouter(rs []route) *router {
	rt := &router{routes: rs, segs: make([][]segment, len(rs)), patterns: make([]string, len(rs))}
	for i, r := range rs {
		rt.patterns[i] = r.Method + " " + r.Pattern
		for _, part := range strings.Split(r.Pattern[1:], "/") {
			if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
				rt.segs[i] = append(rt.segs[i], segment{param: part[1 : len(part)-1]})
			} else {
				rt.segs[i] = append(rt.segs[i], segment{lit: part})
			}
		}
	}
	return rt
}

// match returns the index of the route for method and the escaped path, or
// -1. When the path matches routes of other methods only, allow lists them.
func (rt *router) match(method, path string) (best int, allow []string) {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	best = -1
	for i := range rt.routes {
		if rt.routes[i].Method != method || !matchPath(rt.segs[i], path) {
			continue
		}
		if best < 0 || moreSpecific(rt.segs[i], rt.segs[best]) {
			best = i
		}
	}
	if best >= 0 {
		return best, nil
	}
	for i := range rt.routes { // 405 or 404: the methods that would match
		if matchPath(rt.segs[i], path) {
			allow = append(allow, rt.routes[i].Method)
		}
	}
	return best, allow
}

// pathKnown reports whether any route, whatever its method, matches path.
func (rt *router) pathKnown(path string) bool {
	for i := range rt.routes {
		if matchPath(rt.segs[i], path) {
			return true
		}
	}
	return false
}

// moreSpecific reports whether a has a literal where b has a wildcard at the
// first position where they differ in kind.
func moreSpecific(a, b []segment) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if (a[i].param == "") != (b[i].param == "") {
			return a[i].param == ""
		}
	}
	return false
}

// nextSegment splits the first segment off p (which has no leading slash).
func nextSegment(p string) (part, rest string, last bool) {
	if j := strings.IndexByte(p, '/'); j >= 0 {
		return p[:j], p[j+1:], false
	}
	return p, "", true
}

// matchPath reports whether the escaped path matches segs. It does not
// allocate unless a literal segment is percent-encoded.
func matchPath(segs []segment, path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	p := path[1:]
	for i, sg := range segs {
		part, rest, last := nextSegment(p)
		if last != (i == len(segs)-1) {
			return false
		}
		p = rest
		if sg.param != "" {
			if part == "" {
				return false
			}
			continue
		}
		if part != sg.lit {
			if !strings.Contains(part, "%") {
				return false
			}
			if u, err := url.PathUnescape(part); err != nil || u != sg.lit {
				return false
			}
		}
	}
	return true
}

// setPathValues stores the decoded wildcards of route i in r. It reports
// false when a wildcard is not valid percent-encoding.
func (rt *router) setPathValues(i int, r *http.Request, path string) bool {
	p := path[1:]
	for _, sg := range rt.segs[i] {
		part, rest, _ := nextSegment(p)
		p = rest
		if sg.param == "" {
			continue
		}
		v, err := url.PathUnescape(part)
		if err != nil {
			return false
		}
		// Starlette decodes paths leniently; stores must never see
		// invalid UTF-8.
		r.SetPathValue(sg.param, strings.ToValidUTF8(v, "\uFFFD"))
	}
	r.Pattern = rt.patterns[i]
	return true
}

// toggleSlash returns path with its trailing slash added or removed.
func toggleSlash(path string) string {
	if strings.HasSuffix(path, "/") {
		return path[:len(path)-1]
	}
	return path + "/"
}
