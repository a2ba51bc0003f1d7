package validate

import (
	"strconv"
	"strings"
)

// parseIPv4Host applies the WHATWG "ends in a number" rule: such a host
// must be an IPv4 address (decimal, octal or hex parts) and is rewritten in
// dotted-decimal form; other hosts are domains whose xn-- labels must be
// valid IDNA (Punycode for a valid U-label).
func parseIPv4Host(h string) (string, string) {
	parts := strings.Split(h, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if !isNumericPart(last) {
		for _, l := range strings.Split(h, ".") {
			if strings.HasPrefix(l, aLabelPrefix) && !validALabel(l) {
				return "", "invalid international domain name"
			}
		}
		return h, ""
	}
	if len(parts) > 4 {
		return "", "invalid IPv4 address"
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return "", "invalid IPv4 address"
		}
		nums[i] = n
	}
	addr := uint64(0)
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return "", "invalid IPv4 address"
		}
		addr |= n << (8 * (3 - i))
	}
	lastN := nums[len(nums)-1]
	if lastN >= 1<<(8*(5-len(nums))) {
		return "", "invalid IPv4 address"
	}
	addr += lastN
	return strconv.Itoa(int(addr>>24)) + "." + strconv.Itoa(int(addr>>16&255)) + "." +
		strconv.Itoa(int(addr>>8&255)) + "." + strconv.Itoa(int(addr&255)), ""
}

func isNumericPart(p string) bool {
	if p == "" {
		return false
	}
	if strings.HasPrefix(p, "0x") {
		return allHex(p[2:])
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

func ipv4Number(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	switch {
	case strings.HasPrefix(p, "0x"):
		p, base = p[2:], 16
		if p == "" {
			return 0, true
		}
	case len(p) > 1 && p[0] == '0':
		p, base = p[1:], 8
	}
	n, err := strconv.ParseUint(p, base, 64)
	if err != nil || n > 1<<32 {
		return 0, false
	}
	return n, true
}

// normalizePath resolves "." and ".." segments (also percent-encoded),
// treats "\" as "/", and percent-encodes each segment.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := splitPath(p[1:])
	var out []string
	for i, s := range segs {
		isLast := i == len(segs)-1
		switch strings.ToLower(s) {
		case "..", ".%2e", "%2e.", "%2e%2e":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if isLast {
				out = append(out, "")
			}
		case ".", "%2e":
			if isLast {
				out = append(out, "")
			}
		default:
			out = append(out, percentEncode(s, pathSet))
		}
	}
	return "/" + strings.Join(out, "/")
}

func splitPath(p string) []string {
	var segs []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' || p[i] == '\\' {
			segs = append(segs, p[start:i])
			start = i + 1
		}
	}
	return append(segs, p[start:])
}

const upperHex = "0123456789ABCDEF"

// percentEncode escapes controls, non-ASCII bytes and the bytes of set.
func percentEncode(s, set string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || strings.IndexByte(set, c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// percentDecode decodes %XX sequences; a malformed one is kept as it is,
// as WHATWG does, and then rejected as a forbidden '%' by the host check.
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String(), true
}
