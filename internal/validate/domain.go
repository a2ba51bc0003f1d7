package validate

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkDomain validates the part after the @-sign like email-validator's
// validate_email_domain_name and returns it lower-cased.
func checkDomain(domain string) (string, string) {
	var bad []rune
	ascii := true
	for _, r := range domain {
		switch {
		case r >= utf8.RuneSelf:
			ascii = false
		case !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.'):
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		return "", "The part after the @-sign contains invalid characters: " + displayChars(bad) + "."
	}
	if !ascii {
		if r := checkUnsafe(domain); r != "" {
			return "", r
		}
		return "", "The part after the @-sign contains internationalized characters, which are not supported here: use the domain's ASCII (xn--) form."
	}
	domain = strings.ToLower(domain)
	if r := checkDots(domain, "An email address cannot have a %s immediately after the @-sign.",
		"An email address cannot end with a %s.", true); r != "" {
		return "", r
	}
	labels := strings.Split(domain, ".")
	for _, l := range labels {
		if len(l) >= 4 && l[2:4] == "--" && l[:2] != "xn" {
			return "", "An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, except Punycode."
		}
	}
	if len(domain) > domainMax {
		return "", "The email address is too long after the @-sign " + lengthReason(len(domain), domainMax) + "."
	}
	for _, l := range labels {
		if len(l) > dnsLabelMax {
			return "", "After the @-sign, periods cannot be separated by so many characters " + lengthReason(len(l), dnsLabelMax) + "."
		}
	}
	if len(labels) < 2 {
		return "", "The part after the @-sign is not valid. It should have a period."
	}
	if c := domain[len(domain)-1]; c < 'a' || c > 'z' {
		return "", "The part after the @-sign is not valid. It is not within a valid top-level domain."
	}
	for _, d := range specialUseDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return "", "The part after the @-sign is a special-use or reserved name that cannot be used with email."
		}
	}
	for _, l := range labels {
		if strings.HasPrefix(l, "xn--") {
			if err := checkALabel(l); err != nil {
				return "", fmt.Sprintf("The part after the @-sign is not valid IDNA (%v).", err)
			}
		}
	}
	return domain, ""
}

// checkALabel verifies that an xn-- label is real Punycode (RFC 3492) for
// a lower-case, non-ASCII label of letters, marks, digits and hyphens that
// round-trips to the same ASCII form.
func checkALabel(label string) error {
	u, err := punycodeDecode(label[4:])
	if err != nil {
		return err
	}
	nonASCII := false
	for _, r := range u {
		if r >= utf8.RuneSelf {
			nonASCII = true
		}
		if r != '-' && !unicode.In(r, unicode.Ll, unicode.Lo, unicode.Lm, unicode.M, unicode.Nd) {
			return fmt.Errorf("codepoint U+%04X not allowed in %q", r, label)
		}
	}
	if !nonASCII {
		return errors.New("an xn-- label must encode non-ASCII characters")
	}
	if enc, err := punycodeEncode(u); err != nil || "xn--"+enc != label {
		return errors.New("the label is not in canonical Punycode form")
	}
	return nil
}

// Punycode parameters, RFC 3492 section 5.
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
	pcMaxRune     = 0x10FFFF
)

var errPunycode = errors.New("invalid Punycode")

func pcAdapt(delta, numPoints int, first bool) int {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := 0
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}

func pcDigit(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c-'0') + 26, true
	case c >= 'a' && c <= 'z':
		return int(c - 'a'), true
	case c >= 'A' && c <= 'Z':
		return int(c - 'A'), true
	}
	return 0, false
}

func pcThreshold(k, bias int) int {
	switch {
	case k <= bias:
		return pcTMin
	case k >= bias+pcTMax:
		return pcTMax
	}
	return k - bias
}

// punycodeDecode decodes the part of an A-label after "xn--".
func punycodeDecode(s string) ([]rune, error) {
	var out []rune
	pos := 0
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for j := 0; j < i; j++ {
			if s[j] >= utf8.RuneSelf {
				return nil, errPunycode
			}
			out = append(out, rune(s[j]))
		}
		pos = i + 1
	}
	n, bias, i := pcInitialN, pcInitialBias, 0
	for pos < len(s) {
		oldi, w := i, 1
		for k := pcBase; ; k += pcBase {
			if pos >= len(s) {
				return nil, errPunycode
			}
			d, ok := pcDigit(s[pos])
			pos++
			if !ok || d > (pcMaxRune-i)/w {
				return nil, errPunycode
			}
			i += d * w
			t := pcThreshold(k, bias)
			if d < t {
				break
			}
			if w > pcMaxRune/(pcBase-t) {
				return nil, errPunycode
			}
			w *= pcBase - t
		}
		bias = pcAdapt(i-oldi, len(out)+1, oldi == 0)
		n += i / (len(out) + 1)
		i %= len(out) + 1
		if n > pcMaxRune || (n >= 0xD800 && n <= 0xDFFF) {
			return nil, errPunycode
		}
		out = append(out[:i], append([]rune{rune(n)}, out[i:]...)...)
		i++
	}
	return out, nil
}

// punycodeEncode encodes a label's code points (RFC 3492 section 6.3).
func punycodeEncode(in []rune) (string, error) {
	var b strings.Builder
	basic := 0
	for _, r := range in {
		if r < 0x80 {
			b.WriteRune(r)
			basic++
		}
	}
	h := basic
	if basic > 0 {
		b.WriteByte('-')
	}
	n, delta, bias := pcInitialN, 0, pcInitialBias
	for h < len(in) {
		m := pcMaxRune + 1
		for _, r := range in {
			if int(r) >= n && int(r) < m {
				m = int(r)
			}
		}
		if (m - n) > (1<<30)/(h+1) {
			return "", errPunycode
		}
		delta += (m - n) * (h + 1)
		n = m
		for _, r := range in {
			if int(r) < n {
				delta++
			}
			if int(r) != n {
				continue
			}
			q := delta
			for k := pcBase; ; k += pcBase {
				t := pcThreshold(k, bias)
				if q < t {
					break
				}
				b.WriteByte(pcEncodeDigit(t + (q-t)%(pcBase-t)))
				q = (q - t) / (pcBase - t)
			}
			b.WriteByte(pcEncodeDigit(q))
			bias = pcAdapt(delta, h+1, h == basic)
			delta = 0
			h++
		}
		delta++
		n++
	}
	return b.String(), nil
}

func pcEncodeDigit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}
