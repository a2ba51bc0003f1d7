package validate

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"
)

// This file holds the IDNA steps of email-validator's domain check, which
// calls Python's idna package (IDNA2008, RFC 5891-5893, plus UTS #46
// mapping). The messages are that package's, so a 422 reason reads as
// Polar's does.
//
// golang.org/x/net/idna supplies the UTS #46 mapping table and Punycode;
// golang.org/x/text the NFC, Bidi class and Joining_Type data. x/net/idna
// does not apply IDNA2008's own validity:
// its tables accept the code points UTS #46 marks NV8/XV8 (symbols and
// punctuation such as U+2603 SNOWMAN, valid in IDNA2003 only; see the
// "TODO: handle V2008" in its simplify), and it applies the Bidi rule to
// every label of a domain that has one right-to-left label where Python's
// idna checks each right-to-left label alone; and its ContextJ check lets
// a ZWNJ be followed by a non-joining letter (a missing state-table entry
// restarts the machine) where RFC 5892 A.1 wants a right- or dual-joining
// one. checkLabel therefore applies RFC 5892's derivation on top of the
// UTS #46 table, RFC 5893 per label, and ContextJ through x/text's PRECIS
// implementation, which has the lookahead.

var (
	// uts46 maps as idna.uts46_remap(std3_rules=False, transitional=False)
	// does: only the mapping and the disallowed code points, no label checks.
	uts46 = idna.New(idna.MapForLookup(), idna.StrictDomainName(false), idna.Transitional(false),
		idna.CheckHyphens(false), idna.CheckJoiners(false))
	// freeform is the most permissive PRECIS class: every letter, mark and
	// digit is allowed, so validJoiner sees only the contextual rules.
	freeform = precis.NewFreeform()
)

const (
	errDomainTooLong = "Domain too long"
	aLabelPrefix     = "xn--"
)

// remap applies UTS #46 mapping (case folding, width and compatibility
// mappings, ideographic full stops to '.') code point by code point, then
// NFC, reporting the first disallowed code point as Python's idna does.
func remap(domain string) (string, string) {
	var b strings.Builder
	pos := 0
	for _, r := range domain {
		pos++
		if r < utf8.RuneSelf {
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		m, err := uts46.ToUnicode(string(r))
		if err != nil || r != utf8.RuneError && strings.ContainsRune(m, utf8.RuneError) {
			return "", fmt.Sprintf("Codepoint %s not allowed at position %d in %s", unot(r), pos, pyRepr(domain))
		}
		b.WriteString(m)
	}
	return norm.NFC.String(b.String()), ""
}

// toASCII is idna.encode(domain, uts46=False) for a remapped domain: every
// label checked, non-ASCII labels Punycode-encoded.
func toASCII(domain string) (string, string) {
	labels := strings.Split(domain, ".")
	for i, l := range labels {
		a := l
		if isASCII(l) {
			if _, r := toULabel(l); r != "" {
				return "", r
			}
		} else {
			if r := checkLabel(l); r != "" {
				return "", r
			}
			var err error
			if a, err = idna.Punycode.ToASCII(l); err != nil {
				return "", "Invalid A-label"
			}
		}
		if len(a) > dnsLabelMax {
			return "", "Label too long"
		}
		labels[i] = a
	}
	ascii := strings.Join(labels, ".")
	if len(ascii) > domainMax {
		return "", errDomainTooLong
	}
	return ascii, ""
}

// toUnicode is idna.decode: the canonical Unicode form of an ASCII domain,
// with every xn-- label decoded and checked.
func toUnicode(ascii string) (string, string) {
	labels := strings.Split(ascii, ".")
	for i, l := range labels {
		u, r := toULabel(l)
		if r != "" {
			return "", r
		}
		labels[i] = u
	}
	return strings.Join(labels, "."), ""
}

// toULabel is idna.ulabel for an ASCII label: an xn-- label is decoded
// and its U-label checked; another label is checked as it is.
func toULabel(label string) (string, string) {
	label = strings.ToLower(label)
	if !strings.HasPrefix(label, aLabelPrefix) {
		return label, checkLabel(label)
	}
	switch enc := label[len(aLabelPrefix):]; {
	case enc == "":
		return "", "Malformed A-label, no Punycode eligible content found"
	case strings.HasSuffix(enc, "-"):
		return "", "A-label must not end with a hyphen"
	}
	u, err := idna.Punycode.ToUnicode(label)
	if err != nil {
		return "", "Invalid A-label"
	}
	return u, checkLabel(u)
}

// validALabel reports whether an xn-- label decodes to a valid U-label.
func validALabel(label string) bool {
	_, r := toULabel(label)
	return r == ""
}

// checkLabel is idna.check_label: NFC, hyphen placement, no leading
// combining mark, every code point PVALID or valid in its context
// (RFC 5892), and the Bidi rule (RFC 5893) for a right-to-left label.
func checkLabel(label string) string {
	rs := []rune(label)
	switch {
	case len(rs) == 0:
		return "Empty Label"
	case !norm.NFC.IsNormalString(label):
		return "Label must be in Normalization Form C"
	case len(rs) >= 4 && rs[2] == '-' && rs[3] == '-':
		return "Label has disallowed hyphens in 3rd and 4th position"
	case rs[0] == '-' || rs[len(rs)-1] == '-':
		return "Label must not start or end with a hyphen"
	case unicode.Is(unicode.M, rs[0]):
		return "Label begins with an illegal combining character"
	}
	for i, r := range rs {
		switch codepointClass(r) {
		case pvalid:
		case contextJ:
			// Python's idna words every ContextJ failure as an unknown
			// neighbour: its except ValueError also catches its own
			// InvalidCodepointContext.
			if !validJoiner(rs, i) {
				return fmt.Sprintf("Unknown codepoint adjacent to joiner %s at position %d in %s", unot(r), i+1, pyRepr(label))
			}
		case contextO:
			if !validContextO(rs, i) {
				return fmt.Sprintf("Codepoint %s not allowed at position %d in %s", unot(r), i+1, pyRepr(label))
			}
		default:
			return fmt.Sprintf("Codepoint %s at position %d of %s not allowed", unot(r), i+1, pyRepr(label))
		}
	}
	return checkBidi(rs)
}

type idnaClass int

const (
	disallowed idnaClass = iota
	pvalid
	contextJ
	contextO
)

// RFC 5892 section 2.6 exceptions, 2.4 ignorable blocks, 2.9 old Hangul jamo.
var (
	exceptionPValid = []rune{0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007}
	exceptionNot    = &unicode.RangeTable{R16: []unicode.Range16{{0x0640, 0x0640, 1}, {0x07FA, 0x07FA, 1},
		{0x1100, 0x11FF, 1}, {0x20D0, 0x20FF, 1}, {0x302E, 0x302F, 1}, {0x3031, 0x3035, 1}, {0x303B, 0x303B, 1},
		{0xA960, 0xA97F, 1}, {0xD7B0, 0xD7FF, 1}},
		R32: []unicode.Range32{{0x1D100, 0x1D24F, 1}}}
	contextORunes = &unicode.RangeTable{R16: []unicode.Range16{{0x00B7, 0x00B7, 1}, {0x0375, 0x0375, 1},
		{0x05F3, 0x05F4, 1}, {0x0660, 0x0669, 1}, {0x06F0, 0x06F9, 1}, {0x30FB, 0x30FB, 1}}}
)

// codepointClass derives r's IDNA2008 property (RFC 5892 section 3): the
// UTS #46 table settles stability, ignorables and unassigned code points,
// then only letters, marks and digits (LetterDigits) stay PVALID. This is
// what removes UTS #46's NV8 symbols and punctuation.
func codepointClass(r rune) idnaClass {
	switch {
	case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-':
		return pvalid
	case r < utf8.RuneSelf:
		return disallowed
	case r == 0x200C || r == 0x200D:
		return contextJ
	case unicode.Is(contextORunes, r):
		return contextO
	case unicode.Is(exceptionNot, r):
		return disallowed
	}
	if m, err := uts46.ToUnicode(string(r)); err != nil || m != string(r) {
		return disallowed
	}
	for _, e := range exceptionPValid {
		if r == e {
			return pvalid
		}
	}
	if unicode.In(r, unicode.Ll, unicode.Lu, unicode.Lo, unicode.Lm, unicode.Mn, unicode.Mc, unicode.Nd) {
		return pvalid
	}
	return disallowed
}

// validJoiner applies RFC 5892 A.1/A.2 to the ZWNJ or ZWJ at rs[i]. The
// rules look only as far as the nearest non-transparent rune on each side
// (Joining_Type T is the default of Mn, Me and Cf), so PRECIS is given that
// window alone: a disallowed rune further on is reported in its own turn,
// as Python's idna does. Inside the window, the other contextual runes
// become 'a': like 'a', the CONTEXTO runes and the joiners are non-joining
// (Joining_Type U) with combining class 0, so rs[i]'s context is unchanged
// and PRECIS judges rs[i] alone.
func validJoiner(rs []rune, i int) bool {
	lo, hi := i, i
	for lo > 0 {
		if lo--; !transparent(rs[lo]) {
			break
		}
	}
	for hi < len(rs)-1 {
		if hi++; !transparent(rs[hi]) {
			break
		}
	}
	w := make([]rune, 0, hi-lo+1)
	for j, r := range rs[lo : hi+1] {
		if j != i-lo && (r == 0x200C || r == 0x200D || unicode.Is(contextORunes, r)) {
			r = 'a'
		}
		w = append(w, r)
	}
	_, err := freeform.String(string(w))
	return err == nil
}

func transparent(r rune) bool {
	return r != 0x200C && r != 0x200D && unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

// validContextO applies RFC 5892 Appendix A.3-A.9 as Python's idna does.
func validContextO(rs []rune, i int) bool {
	switch r := rs[i]; {
	case r == 0x00B7:
		return i > 0 && i < len(rs)-1 && rs[i-1] == 'l' && rs[i+1] == 'l'
	case r == 0x0375:
		return i < len(rs)-1 && unicode.Is(unicode.Greek, rs[i+1])
	case r == 0x05F3 || r == 0x05F4:
		return i > 0 && unicode.Is(unicode.Hebrew, rs[i-1])
	case r == 0x30FB:
		for _, c := range rs {
			if c != 0x30FB && unicode.In(c, unicode.Hiragana, unicode.Katakana, unicode.Han) {
				return true
			}
		}
		return false
	case r >= 0x0660 && r <= 0x0669:
		return !containsRange(rs, 0x06F0, 0x06F9)
	default: // 0x06F0-0x06F9
		return !containsRange(rs, 0x0660, 0x0669)
	}
}

func containsRange(rs []rune, lo, hi rune) bool {
	for _, r := range rs {
		if r >= lo && r <= hi {
			return true
		}
	}
	return false
}

// checkBidi is idna.check_bidi: RFC 5893's rules for a label that holds a
// right-to-left character (class R, AL or AN).
func checkBidi(rs []rune) string {
	if !rtlLabel(rs) {
		return ""
	}
	classes := make([]bidi.Class, len(rs))
	for i, r := range rs {
		p, _ := bidi.LookupRune(r)
		classes[i] = p.Class()
	}
	var rtl bool
	switch classes[0] {
	case bidi.R, bidi.AL:
		rtl = true
	case bidi.L:
	default:
		return fmt.Sprintf("First codepoint in label %s must be directionality L, R or AL", pyRepr(string(rs)))
	}
	validEnding := false
	var number bidi.Class = bidi.L // none seen yet
	for i, c := range classes {
		if rtl {
			if !oneOf(c, bidi.R, bidi.AL, bidi.AN, bidi.EN, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN, bidi.NSM) {
				return fmt.Sprintf("Invalid direction for codepoint at position %d in a right-to-left label", i+1)
			}
			if c == bidi.AN || c == bidi.EN {
				if number != bidi.L && number != c {
					return "Can not mix numeral types in a right-to-left label"
				}
				number = c
			}
			if c != bidi.NSM {
				validEnding = oneOf(c, bidi.R, bidi.AL, bidi.EN, bidi.AN)
			}
			continue
		}
		if !oneOf(c, bidi.L, bidi.EN, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN, bidi.NSM) {
			return fmt.Sprintf("Invalid direction for codepoint at position %d in a left-to-right label", i+1)
		}
		if c != bidi.NSM {
			validEnding = c == bidi.L || c == bidi.EN
		}
	}
	if !validEnding {
		return "Label ends with illegal codepoint directionality"
	}
	return ""
}

// rtlLabel reports whether rs holds a right-to-left character, which is
// when Python's idna applies the Bidi rule to a label.
func rtlLabel(rs []rune) bool {
	for _, r := range rs {
		p, _ := bidi.LookupRune(r)
		if c := p.Class(); c == bidi.R || c == bidi.AL || c == bidi.AN {
			return true
		}
	}
	return false
}

func oneOf(c bidi.Class, set ...bidi.Class) bool {
	for _, s := range set {
		if c == s {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// unot formats a code point as Python's idna does (U+00FC).
func unot(r rune) string { return fmt.Sprintf("U+%04X", r) }

// pyRepr quotes s as Python's repr() quotes a str, which is how Python's
// idna embeds a label in its messages.
func pyRepr(s string) string {
	q := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteRune(q)
	for _, r := range s {
		switch {
		case r == q || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteRune(q)
	return b.String()
}
