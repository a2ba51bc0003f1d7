package validate

import (
	"strings"
	"unicode/utf8"
)

// checkDomain validates the part after the @-sign like email-validator's
// validate_email_domain_name and returns its two forms: the canonical
// Unicode form (email-validator's domain, which goes into the normalized
// address Polar stores and answers) and the ASCII form with xn-- labels.
// An ASCII domain without xn-- labels comes back lower-cased, both forms
// equal; "bücher.de", "BÜCHER.DE" and "xn--bcher-kva.de" all come back as
// "bücher.de" and "xn--bcher-kva.de".
func checkDomain(domain string) (uni, ascii, reason string) {
	var bad []rune
	nonASCII := false
	for _, r := range domain {
		switch {
		case r >= utf8.RuneSelf:
			nonASCII = true
		case !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.'):
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		return "", "", "The part after the @-sign contains invalid characters: " + displayChars(bad) + "."
	}
	if nonASCII {
		if r := checkUnsafe(domain); r != "" {
			return "", "", r
		}
		var r string
		if domain, r = remap(domain); r != "" {
			return "", "", "The part after the @-sign contains invalid characters (" + r + ")."
		}
	} else {
		domain = strings.ToLower(domain) // what UTS #46 mapping does to LDH characters
	}
	if r := checkDots(domain, "An email address cannot have a %s immediately after the @-sign.",
		"An email address cannot end with a %s.", true); r != "" {
		return "", "", r
	}
	for _, l := range strings.Split(domain, ".") {
		if isRLDH(l) {
			return "", "", "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode."
		}
	}
	ascii = domain
	if !isHostname(domain) {
		var r string
		switch ascii, r = toASCII(domain); r {
		case "":
		case errDomainTooLong:
			return "", "", "The email address is too long after the @-sign."
		default:
			return "", "", "The part after the @-sign contains invalid characters (" + r + ")."
		}
	}
	if r := checkASCIIDomain(ascii); r != "" {
		return "", "", r
	}
	uni, r := toUnicode(ascii)
	if r != "" {
		return "", "", "The part after the @-sign is not valid IDNA (" + r + ")."
	}
	return uni, ascii, ""
}

// isRLDH reports an RFC 5890 reserved LDH label: two characters other than
// "xn", then "--".
func isRLDH(label string) bool {
	rs := []rune(label)
	return len(rs) >= 4 && rs[2] == '-' && rs[3] == '-' && !(rs[0] == 'x' && rs[1] == 'n')
}

// isHostname reports whether every label of domain is an RFC 952 host
// label of lower-case letters, digits and inner hyphens.
func isHostname(domain string) bool {
	for _, l := range strings.Split(domain, ".") {
		if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// checkASCIIDomain applies the length, period, top-level domain and
// special-use rules to the ASCII form, as email-validator does.
func checkASCIIDomain(ascii string) string {
	if len(ascii) > domainMax {
		return "The email address is too long after the @-sign " + lengthReason(len(ascii), domainMax) + "."
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		if len(l) > dnsLabelMax {
			return "After the @-sign, periods cannot be separated by so many characters " + lengthReason(len(l), dnsLabelMax) + "."
		}
	}
	if len(labels) < 2 {
		return "The part after the @-sign is not valid. It should have a period."
	}
	if c := ascii[len(ascii)-1]; c < 'a' || c > 'z' {
		return "The part after the @-sign is not valid. It is not within a valid top-level domain."
	}
	for _, d := range specialUseDomains {
		if ascii == d || strings.HasSuffix(ascii, "."+d) {
			return "The part after the @-sign is a special-use or reserved name that cannot be used with email."
		}
	}
	return ""
}
