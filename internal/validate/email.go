package validate

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/gatehouse/gatehouse"
)

// Limits of python email-validator 2.x and pydantic's EmailStr.
const (
	emailInputMax  = 2048 // pydantic MAX_EMAIL_LENGTH, checked before parsing
	emailMax       = 254  // RFC 3696 errata 1690
	localPartMax   = 64   // RFC 5321 4.5.3.1.1
	domainMax      = 253  // RFC 1035 2.3.4
	dnsLabelMax    = 63   // RFC 1035 2.3.1
	emailMsgPrefix = "value is not a valid email address: "
)

// prettyEmail is pydantic's regular expression for "Display Name <addr>",
// with Python's Unicode \w written out (Go's \w is ASCII only).
var prettyEmail = regexp.MustCompile(`^\s*(?:((?:[\p{L}\p{N}!#$%&'*+\-/=?^_` + "`" + `{|}~]+\s+)*[\p{L}\p{N}!#$%&'*+\-/=?^_` + "`" + `{|}~]+)|"((?:[^"]|\")+)")?\s*<(.+)>\s*$`)

// atext is the set of RFC 5322 atom characters.
const atext = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_!#$%&'*+-/=?^`{|}~"

// specialUseDomains are the special-use names email-validator refuses.
var specialUseDomains = []string{"arpa", "invalid", "local", "localhost", "onion", "test"}

// caseInsensitiveMailboxes are RFC 2142 names email-validator lower-cases.
var caseInsensitiveMailboxes = []string{"info", "marketing", "sales", "support", "abuse", "noc", "security",
	"postmaster", "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp"}

// Email validates s as pydantic's EmailStr does with email-validator
// (syntax only, no DNS) and returns email-validator's normalized address,
// which is what Polar stores: the display name and surrounding spaces
// dropped, the local part in NFC with its case kept (except RFC 2142 role
// names such as "Info"), and the domain in its canonical Unicode form
// (UTS #46 mapped, IDNA2008-checked, xn-- labels decoded). So
// "Jörg@BÜCHER.de" and "Jörg@xn--bcher-kva.de" both give "Jörg@bücher.de".
func Email(loc []any, s string) (string, *gatehouse.FieldError) {
	norm, reason := email(s)
	if reason != "" {
		return "", &gatehouse.FieldError{
			Type: "value_error", Loc: at(loc), Msg: emailMsgPrefix + reason,
			Input: s, Ctx: map[string]any{"reason": reason},
		}
	}
	return norm, nil
}

func email(s string) (string, string) {
	if utf8.RuneCountInString(s) > emailInputMax {
		return "", fmt.Sprintf("Length must not exceed %d characters", emailInputMax)
	}
	if m := prettyEmail.FindStringSubmatch(s); m != nil {
		s = m[3]
	}
	s = strings.TrimFunc(s, unicode.IsSpace)
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return "", "An email address must have an @-sign."
	}
	local, domain := s[:at], s[at+1:]
	if strings.HasPrefix(local, `"`) {
		return "", "Quoting the part before the @-sign is not allowed here."
	}
	local, r := checkLocal(local)
	if r != "" {
		return "", r
	}
	if isASCII(local) && slices.Contains(caseInsensitiveMailboxes, strings.ToLower(local)) {
		local = strings.ToLower(local)
	}
	if domain == "" {
		return "", "There must be something after the @-sign."
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return "", "A bracketed IP address after the @-sign is not allowed here."
	}
	domain, asciiDomain, r := checkDomain(domain)
	if r != "" {
		return "", r
	}
	addr := local + "@" + domain
	if r := checkLength(local, asciiDomain, addr); r != "" {
		return "", r
	}
	return addr, ""
}

// checkLength applies email-validator's limits on the whole address: 254
// octets in the ASCII form when the local part is ASCII (the form mail
// may travel in without SMTPUTF8), and 254 octets in UTF-8.
func checkLength(local, asciiDomain, addr string) string {
	n := utf8.RuneCountInString(addr)
	if isASCII(local) {
		if a := local + "@" + asciiDomain; len(a) > emailMax {
			switch {
			case a == addr:
				return "The email address is too long " + lengthReason(len(a), emailMax) + "."
			case n > emailMax:
				return "The email address is too long " + atLeastReason(n, emailMax) + "."
			}
			return "The email address is too long (when converted to IDNA ASCII)."
		}
	}
	if len(addr) > emailMax {
		if n > emailMax {
			return "The email address is too long " + atLeastReason(n, emailMax) + "."
		}
		return "The email address is too long (when encoded in bytes)."
	}
	return ""
}

// lengthReason words an overflow like email-validator's get_length_reason.
func lengthReason(n, limit int) string {
	d := n - limit
	if d > 1 {
		return fmt.Sprintf("(%d characters too many)", d)
	}
	return fmt.Sprintf("(%d character too many)", d)
}

// atLeastReason is get_length_reason(utf8=True): a count of characters
// that understates the octets.
func atLeastReason(n, limit int) string {
	return strings.Replace(lengthReason(n, limit), "(", "(at least ", 1)
}

func isAtext(r rune) bool { return r < utf8.RuneSelf && strings.ContainsRune(atext, r) }

// checkLocal validates the part before the @-sign and returns it in NFC
// (RFC 6532 3.1), as email-validator does for an internationalized one.
func checkLocal(local string) (string, string) {
	if local == "" {
		return "", "There must be something before the @-sign."
	}
	if n := utf8.RuneCountInString(local); n > localPartMax {
		return "", "The email address is too long before the @-sign " + lengthReason(n, localPartMax) + "."
	}
	var bad []rune
	for _, r := range local {
		if r < utf8.RuneSelf && !isAtext(r) && r != '.' {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		return "", "The email address contains invalid characters before the @-sign: " + displayChars(bad) + "."
	}
	if r := checkDots(local, "An email address cannot start with a %s.",
		"An email address cannot have a %s immediately before the @-sign.", false); r != "" {
		return "", r
	}
	if isASCII(local) {
		return local, ""
	}
	local = norm.NFC.String(local)
	return local, checkUnsafe(local)
}

// checkDots applies email-validator's check_dot_atom rules.
func checkDots(label, start, end string, hostname bool) string {
	switch {
	case strings.HasSuffix(label, "."):
		return fmt.Sprintf(end, "period")
	case strings.HasPrefix(label, "."):
		return fmt.Sprintf(start, "period")
	case strings.Contains(label, ".."):
		return "An email address cannot have two periods in a row."
	}
	if hostname {
		switch {
		case strings.HasSuffix(label, "-"):
			return fmt.Sprintf(end, "hyphen")
		case strings.HasPrefix(label, "-"):
			return fmt.Sprintf(start, "hyphen")
		case strings.Contains(label, ".-") || strings.Contains(label, "-."):
			return "An email address cannot have a period and a hyphen next to each other."
		}
	}
	return ""
}

// checkUnsafe rejects the Unicode categories email-validator calls unsafe:
// controls, format and private-use characters, separators, unassigned code
// points, and a combining mark in first position.
func checkUnsafe(s string) string {
	var bad []rune
	for i, r := range s {
		switch {
		case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
		case unicode.Is(unicode.M, r):
			if i == 0 {
				bad = append(bad, r)
			}
		default:
			bad = append(bad, r)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return "The email address contains unsafe characters: " + displayChars(bad) + "."
}

// displayChars lists distinct characters sorted, each shown like Python's
// repr() when printable, else by name or U+XXXX.
func displayChars(rs []rune) string {
	slices.Sort(rs)
	rs = slices.Compact(rs)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = displayChar(r)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

var charNames = map[rune]string{' ': "SPACE", 0xA0: "NO-BREAK SPACE", 0x2028: "LINE SEPARATOR",
	0x2029: "PARAGRAPH SEPARATOR", 0x3000: "IDEOGRAPHIC SPACE", 0x200B: "ZERO WIDTH SPACE",
	0x200D: "ZERO WIDTH JOINER", 0x200C: "ZERO WIDTH NON-JOINER", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE"}

func displayChar(r rune) string {
	switch {
	case r == '\\':
		return `"\"`
	case r == '\'':
		return `"'"`
	case unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S):
		return "'" + string(r) + "'"
	}
	if n, ok := charNames[r]; ok {
		return n
	}
	if r < 0xFFFF {
		return fmt.Sprintf("U+%04X", r)
	}
	return fmt.Sprintf("U+%08X", r)
}
