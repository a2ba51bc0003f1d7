package validate

import (
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Tax ID formats (Stripe's and Polar's TaxIDFormat names).
const (
	FormatEUVAT    = "eu_vat"
	FormatGBVAT    = "gb_vat"
	FormatUSEIN    = "us_ein"
	FormatCABN     = "ca_bn"
	FormatCAGSTHST = "ca_gst_hst"
	FormatAUABN    = "au_abn"
	FormatCHUID    = "ch_uid"
	FormatCHVAT    = "ch_vat"
)

// TaxID validates raw as a tax number of the billing country (§D.4) with
// the number's real check-digit algorithm, and returns its compact form
// and format. The algorithms follow python-stdnum, which Polar uses, and
// each country's published specification cited beside it. Countries and
// formats that cannot be verified here are invalid.
//
//   - EU members: eu_vat, with or without the country prefix (Greece: EL
//     or GR), separators removed, returned with the prefix ("FR61954506077",
//     "EL094259216").
//   - GB: gb_vat ("GB" + 9 or 12 digits, or GD/HA government numbers).
//   - US: us_ein, NN-NNNNNNN → NNNNNNNNN, valid IRS campus prefix.
//   - CA: 15-character BN with the RT program → ca_gst_hst; 9-digit BN or
//     the RC/RM/RP programs → ca_bn.
//   - AU: au_abn, 11 digits.
//   - CH: ch_uid "CHE123456789"; with an MWST/TVA/IVA/TPV suffix ch_vat.
func TaxID(loc []any, country, raw string) (gatehouse.TaxID, *gatehouse.FieldError) {
	if t, ok := taxID(strings.ToUpper(country), raw); ok {
		return t, nil
	}
	return gatehouse.TaxID{}, &gatehouse.FieldError{Type: "invalid", Loc: at(loc), Msg: "Invalid tax ID.", Input: raw}
}

func taxID(country, raw string) (gatehouse.TaxID, bool) {
	n := compactTaxID(raw)
	if n == "" {
		return gatehouse.TaxID{}, false
	}
	if check, ok := euVAT[country]; ok {
		prefix := country
		if country == "GR" {
			prefix = "EL"
			n = strings.TrimPrefix(n, "GR")
		}
		n = strings.TrimPrefix(n, prefix)
		if num, ok := check(n); ok {
			return gatehouse.TaxID{Number: prefix + num, Format: FormatEUVAT}, true
		}
		return gatehouse.TaxID{}, false
	}
	var num, format string
	var ok bool
	switch country {
	case "GB":
		num, ok = gbVAT(strings.TrimPrefix(n, "GB"))
		num, format = "GB"+num, FormatGBVAT
	case "US":
		num, ok = usEIN(n)
		format = FormatUSEIN
	case "CA":
		num, format, ok = caBN(n)
	case "AU":
		num, ok = auABN(n)
		format = FormatAUABN
	case "CH":
		num, format, ok = chUID(n)
	}
	if !ok {
		return gatehouse.TaxID{}, false
	}
	return gatehouse.TaxID{Number: num, Format: format}, true
}

// compactTaxID upper-cases raw and drops the separators people type:
// spaces, dots, dashes, slashes, commas and colons.
func compactTaxID(raw string) string {
	var b strings.Builder
	// Belgians write the leading zero of old numbers as "(0)".
	for _, r := range strings.ReplaceAll(strings.ToUpper(raw), "(0)", "0") {
		switch {
		case strings.ContainsRune(" \t.-/,:", r):
		case r >= '0' && r <= '9' || r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			return ""
		}
	}
	return b.String()
}

// digits converts an all-digit string to its digit values.
func digits(s string) ([]int, bool) {
	if s == "" {
		return nil, false
	}
	d := make([]int, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
		d[i] = int(s[i] - '0')
	}
	return d, true
}

// weighted returns the sum of w[i]*d[i].
func weighted(d []int, w ...int) int {
	s := 0
	for i := range w {
		s += w[i] * d[i]
	}
	return s
}

// luhnSum is the Luhn checksum (ISO/IEC 7812-1): 0 for a valid number.
func luhnSum(d []int) int {
	s := 0
	for i := range d {
		v := d[len(d)-1-i]
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		s += v
	}
	return s % 10
}

func luhnValid(s string) bool {
	d, ok := digits(s)
	return ok && luhnSum(d) == 0
}

// mod1110Valid checks ISO 7064 MOD 11,10 (used by DE and HR).
func mod1110Valid(d []int) bool {
	c := 5
	for _, n := range d {
		if c == 0 {
			c = 10
		}
		c = ((c*2)%11 + n) % 10
	}
	return c == 1
}

// gbVAT: HMRC VAT numbers (python-stdnum gb.vat; HMRC VAT Notice 700/1):
// weights 8..2 then 10,1 over 9 digits, total mod 97 is 0, or for numbers
// from 100 on also 42/55 (the "9755" scheme); 12 digits are branch traders;
// GDnnn (<500) and HAnnn (>=500) are government departments and health
// authorities, also in their GD8888/HA8888 EU form.
func gbVAT(n string) (string, bool) {
	switch {
	case len(n) == 5 && (n[:2] == "GD" || n[:2] == "HA"):
		d, ok := digits(n[2:])
		return n, ok && (n[:2] == "GD") == (weighted(d, 100, 10, 1) < 500)
	case len(n) == 11 && (n[:6] == "GD8888" || n[:6] == "HA8888"):
		d, ok := digits(n[6:])
		if !ok {
			return "", false
		}
		v := weighted(d, 100, 10, 1)
		return n, (n[:2] == "GD") == (v < 500) && v%97 == weighted(d[3:], 10, 1)
	case len(n) == 9 || len(n) == 12:
		d, ok := digits(n)
		if !ok {
			return "", false
		}
		sum := weighted(d, 8, 7, 6, 5, 4, 3, 2, 10, 1) % 97
		if weighted(d, 100, 10, 1) >= 100 {
			return n, sum == 0 || sum == 42 || sum == 55
		}
		return n, sum == 0
	}
	return "", false
}

// einPrefixes are the IRS campus prefixes ("How EINs are assigned and
// valid EIN prefixes", irs.gov; python-stdnum us/ein.dat).
const einPrefixes = "01 02 03 04 05 06 10 11 12 13 14 15 16 20 21 22 23 24 25 26 27 30 31 32 33 34 35 36 37 38 39 " +
	"40 41 42 43 44 45 46 47 48 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 71 72 73 74 75 76 77 " +
	"80 81 82 83 84 85 86 87 88 90 91 92 93 94 95 98 99"

// usEIN: 9 digits whose first two are an IRS campus prefix; the EIN has
// no check digit.
func usEIN(n string) (string, bool) {
	_, ok := digits(n)
	return n, ok && len(n) == 9 && strings.Contains(" "+einPrefixes+" ", " "+n[:2]+" ")
}

// caBN: Canada Revenue Agency business number (python-stdnum ca.bn; CRA
// "Business number" guide): 9 digits with a Luhn check digit, optionally
// followed by a program identifier and a 4-digit reference number. The GST/HST
// account (RT) is ca_gst_hst; the bare BN and the RC, RM, RP accounts ca_bn.
func caBN(n string) (string, string, bool) {
	if len(n) != 9 && len(n) != 15 || !luhnValid(n[:9]) {
		return "", "", false
	}
	if len(n) == 9 {
		return n, FormatCABN, true
	}
	if _, ok := digits(n[11:]); !ok {
		return "", "", false
	}
	switch n[9:11] {
	case "RT":
		return n, FormatCAGSTHST, true
	case "RC", "RM", "RP":
		return n, FormatCABN, true
	}
	return "", "", false
}

// auABN: Australian Business Number (ATO "ABN format"; python-stdnum
// au.abn): subtract 1 from the first digit, weights 10,1,3,5,...,19, the
// sum is divisible by 89.
func auABN(n string) (string, bool) {
	d, ok := digits(n)
	if !ok || len(n) != 11 || d[0] == 0 {
		return "", false
	}
	d[0]--
	return n, weighted(d, 10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)%89 == 0
}

// chUID: Swiss enterprise identification number (Federal Statistical
// Office UID, eCH-0097; python-stdnum ch.uid / ch.vat): CHE + 8 digits + a
// mod-11 check digit with weights 5,4,3,2,7,6,5,4 (a remainder giving 10 is
// never issued). A VAT suffix MWST, TVA, IVA or TPV makes it ch_vat.
func chUID(n string) (string, string, bool) {
	format, suffix := FormatCHUID, ""
	for _, s := range []string{"MWST", "TVA", "IVA", "TPV"} {
		if strings.HasSuffix(n, s) {
			n, format, suffix = strings.TrimSuffix(n, s), FormatCHVAT, s
			break
		}
	}
	if len(n) == 9 {
		n = "CHE" + n
	}
	if len(n) != 12 || n[:3] != "CHE" {
		return "", "", false
	}
	d, ok := digits(n[3:])
	if !ok || (11-weighted(d, 5, 4, 3, 2, 7, 6, 5, 4)%11)%11 != d[8] {
		return "", "", false
	}
	return n + suffix, format, true
}
