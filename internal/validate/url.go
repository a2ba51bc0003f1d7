package validate

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// returnURLMax is pydantic HttpUrl's max_length.
const returnURLMax = 2083

// ReturnURL validates s as pydantic's HttpUrl (WHATWG URL parsing, as the
// Rust url crate does it) and returns the normalized URL: scheme and host
// lower-cased, default port dropped, empty path → "/", dot segments
// resolved, unsafe characters percent-encoded. Hosts with non-ASCII
// characters are refused as "invalid international domain name".
func ReturnURL(loc []any, s string) (string, *gatehouse.FieldError) {
	if utf8.RuneCountInString(s) > returnURLMax {
		return "", &gatehouse.FieldError{
			Type: "url_too_long", Loc: at(loc), Input: s,
			Msg: "URL should have at most 2083 characters", Ctx: map[string]any{"max_length": returnURLMax},
		}
	}
	u, detail := parseHTTPURL(s)
	switch detail {
	case "":
		return u, nil
	case errScheme:
		return "", &gatehouse.FieldError{
			Type: "url_scheme", Loc: at(loc), Input: s, Msg: "URL scheme should be 'http' or 'https'",
			Ctx: map[string]any{"expected_schemes": "'http' or 'https'"},
		}
	}
	return "", &gatehouse.FieldError{
		Type: "url_parsing", Loc: at(loc), Input: s, Msg: "Input should be a valid URL, " + detail,
		Ctx: map[string]any{"error": detail},
	}
}

const errScheme = "scheme"

// Percent-encode sets of the WHATWG URL standard (for special schemes).
const (
	fragmentSet = " \"<>`"
	querySet    = " \"#<>'"
	pathSet     = " \"#<>?`{}"
	userinfoSet = pathSet + "/:;=@[\\]^|"
)

func parseHTTPURL(s string) (string, string) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= 0x20 })
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", "input is empty"
	}
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !validScheme(s[:colon]) {
		return "", "relative URL without a base"
	}
	scheme := strings.ToLower(s[:colon])
	if scheme != "http" && scheme != "https" {
		return "", errScheme
	}
	rest := strings.TrimLeft(s[colon+1:], "/\\")
	end := strings.IndexAny(rest, "/\\?#")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	userinfo := ""
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		userinfo, authority = authority[:i], authority[i+1:]
	}
	host, port, detail := splitHostPort(authority, scheme)
	if detail != "" {
		return "", detail
	}
	var b strings.Builder
	b.WriteString(scheme + "://")
	if userinfo != "" {
		user, pass, hasPass := strings.Cut(userinfo, ":")
		b.WriteString(percentEncode(user, userinfoSet))
		if hasPass && pass != "" {
			b.WriteString(":" + percentEncode(pass, userinfoSet))
		}
		b.WriteByte('@')
	}
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	path, query, fragment := rest, "", ""
	hasQuery, hasFragment := false, false
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, fragment, hasFragment = path[:i], path[i+1:], true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query, hasQuery = path[:i], path[i+1:], true
	}
	b.WriteString(normalizePath(path))
	if hasQuery {
		b.WriteString("?" + percentEncode(query, querySet))
	}
	if hasFragment {
		b.WriteString("#" + percentEncode(fragment, fragmentSet))
	}
	return b.String(), ""
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !alpha && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func splitHostPort(authority, scheme string) (host, port, detail string) {
	host = authority
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.Contains(authority[i:], "]") {
		host, port = authority[:i], authority[i+1:]
		for j := 0; j < len(port); j++ {
			if port[j] < '0' || port[j] > '9' {
				return "", "", "invalid port number"
			}
		}
		if port != "" {
			n, err := strconv.Atoi(port)
			if err != nil || n > 65535 {
				return "", "", "invalid port number"
			}
			port = strconv.Itoa(n)
			if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
				port = ""
			}
		}
	}
	if host == "" {
		return "", "", "empty host"
	}
	host, detail = parseHost(host)
	return host, port, detail
}

func parseHost(h string) (string, string) {
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return "", "invalid IPv6 address"
		}
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", "invalid IPv6 address"
		}
		return "[" + a.String() + "]", ""
	}
	d, ok := percentDecode(h)
	if !ok || !utf8.ValidString(d) {
		return "", "invalid international domain name"
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= utf8.RuneSelf {
			return "", "invalid international domain name"
		}
		if c <= 0x20 || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return "", "invalid domain character"
		}
	}
	d = strings.ToLower(d)
	if d == "" {
		return "", "empty host"
	}
	return parseIPv4Host(d)
}
