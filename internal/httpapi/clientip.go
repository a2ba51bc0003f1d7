package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// maxUserAgent bounds the user agent kept in a session's usage record.
const maxUserAgent = 512

// unknownIP stands for a connection address that does not parse (only
// in-process callers can produce one); all such callers share one rate
// limit key.
var unknownIP = netip.IPv6Unspecified()

// clientIP is the address rate limits and usage records see: the
// connection's address, unless it belongs to a trusted proxy; then the
// right-most address of X-Forwarded-For that is not a trusted proxy (the
// left part of the header is whatever the client wrote and proves
// nothing). When every forwarded address is trusted, the left-most one is
// the client. A malformed entry stops the walk: the nearest trusted hop
// is taken instead.
func (s *Server) clientIP(r *http.Request) netip.Addr {
	addr := remoteAddr(r.RemoteAddr)
	if len(s.proxies) == 0 || !s.trusted(addr) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		for h != "" {
			var part string
			if j := strings.LastIndexByte(h, ','); j >= 0 {
				h, part = h[:j], h[j+1:]
			} else {
				h, part = "", h
			}
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			a, err := netip.ParseAddr(part)
			if err != nil {
				return addr
			}
			addr = a.Unmap().WithZone("")
			if !s.trusted(addr) {
				return addr
			}
		}
	}
	return addr
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// remoteAddr parses a connection address ("ip:port", or a bare IP).
func remoteAddr(ra string) netip.Addr {
	if ap, err := netip.ParseAddrPort(ra); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if a, err := netip.ParseAddr(ra); err == nil {
		return a.Unmap().WithZone("")
	}
	return unknownIP
}

// cleanUserAgent makes a user agent storable: valid UTF-8 without NUL (which
// PostgreSQL text refuses), at most maxUserAgent bytes.
func cleanUserAgent(ua string) string {
	ua = strings.ToValidUTF8(ua, "\uFFFD")
	ua = strings.ReplaceAll(ua, "\x00", "")
	if len(ua) <= maxUserAgent {
		return ua
	}
	cut := maxUserAgent
	for cut > 0 && !utf8.RuneStart(ua[cut]) {
		cut--
	}
	return ua[:cut]
}
