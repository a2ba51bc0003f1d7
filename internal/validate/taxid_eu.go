package validate

import (
	"strconv"
	"strings"
	"time"
)

// euVAT maps each EU member to the check of its VAT number, given without
// the country prefix; it returns the compact number. The algorithms are
// those of python-stdnum (the library Polar validates with), which cites
// each tax administration's specification; the European Commission's VIES
// "VAT number validation" algorithm document describes them all.
var euVAT = map[string]func(string) (string, bool){
	"AT": vatAT, "BE": vatBE, "BG": vatBG, "CY": vatCY, "CZ": vatCZ, "DE": vatDE, "DK": vatDK,
	"EE": vatEE, "ES": vatES, "FI": vatFI, "FR": vatFR, "GR": vatGR, "HR": vatHR, "HU": vatHU,
	"IE": vatIE, "IT": vatIT, "LT": vatLT, "LU": vatLU, "LV": vatLV, "MT": vatMT, "NL": vatNL,
	"PL": vatPL, "PT": vatPT, "RO": vatRO, "SE": vatSE, "SI": vatSI, "SK": vatSK,
}

// fixed checks an all-digit number of length n and returns its digits.
func fixed(s string, n int) ([]int, bool) {
	if len(s) != n {
		return nil, false
	}
	return digits(s)
}

// mod returns the non-negative remainder, as Python's % does.
func mod(a, m int) int { return ((a % m) + m) % m }

// vatAT: Austrian UID "U" + 8 digits; check = (6 - Luhn sum of digits 1-7) mod 10.
func vatAT(n string) (string, bool) {
	if len(n) != 9 || n[0] != 'U' {
		return "", false
	}
	d, ok := digits(n[1:])
	return n, ok && mod(6-luhnSum(d[:7]), 10) == d[7]
}

// vatBE: Belgian enterprise number, 10 digits starting 0 or 1 (a 9-digit
// old number gets a leading 0); the first 8 digits plus the last 2 are
// divisible by 97.
func vatBE(n string) (string, bool) {
	if len(n) == 9 {
		n = "0" + n
	}
	if _, ok := fixed(n, 10); !ok || n[0] > '1' {
		return "", false
	}
	a, _ := strconv.Atoi(n[:8])
	b, _ := strconv.Atoi(n[8:])
	return n, (a+b)%97 == 0
}

// vatBG: Bulgarian BULSTAT (9 digits, weights 1..8 then 3..10 mod 11) or a
// 10-digit personal EGN, foreigner PNF, or "other" number.
func vatBG(n string) (string, bool) {
	d, ok := digits(n)
	if !ok {
		return "", false
	}
	switch len(d) {
	case 9:
		c := weighted(d, 1, 2, 3, 4, 5, 6, 7, 8) % 11
		if c == 10 {
			c = weighted(d, 3, 4, 5, 6, 7, 8, 9, 10) % 11
		}
		return n, c%10 == d[8]
	case 10:
		egn := weighted(d, 2, 4, 8, 5, 10, 9, 7, 3, 6)%11%10 == d[9] && bgEGNDate(d)
		pnf := weighted(d, 21, 19, 17, 13, 11, 9, 7, 3, 1)%10 == d[9]
		other := mod(11-weighted(d, 4, 3, 2, 7, 6, 5, 4, 3, 2), 11) == d[9]
		return n, egn || pnf || other
	}
	return "", false
}

func bgEGNDate(d []int) bool {
	y, m, day := 1900+d[0]*10+d[1], d[2]*10+d[3], d[4]*10+d[5]
	switch {
	case m > 40:
		y, m = y+100, m-40
	case m > 20:
		y, m = y-100, m-20
	}
	return validDate(y, m, day)
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

// vatCY: Cypriot 8 digits + check letter; digits in odd positions are
// translated, the sum mod 26 picks the letter. Numbers may not start "12".
func vatCY(n string) (string, bool) {
	if len(n) != 9 || n[:2] == "12" {
		return "", false
	}
	d, ok := digits(n[:8])
	if !ok {
		return "", false
	}
	tr := [10]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21}
	s := 0
	for i, v := range d {
		if i%2 == 0 {
			s += tr[v]
		} else {
			s += v
		}
	}
	return n, n[8] == byte('A'+s%26)
}

// vatCZ: Czech DIČ: 8 digits for legal entities (mod 11, first digit not
// 9), 9 digits starting 6 (special), or a 9/10-digit birth number (rodné číslo).
func vatCZ(n string) (string, bool) {
	d, ok := digits(n)
	if !ok {
		return "", false
	}
	switch {
	case len(d) == 8:
		if d[0] == 9 {
			return "", false
		}
		c := mod(11-weighted(d, 8, 7, 6, 5, 4, 3, 2), 11)
		if c == 0 {
			c = 1
		}
		return n, c%10 == d[7]
	case len(d) == 9 && d[0] == 6:
		c := weighted(d[1:], 8, 7, 6, 5, 4, 3, 2) % 11
		return n, 9-mod(11-c, 10) == d[8]
	case len(d) == 9 || len(d) == 10:
		return n, birthNumber(n)
	}
	return "", false
}

// birthNumber checks a Czech/Slovak rodné číslo: YYMMDD (women +50 on the
// month, +20 on overflow since 2004) and, for 10 digits, mod 11.
func birthNumber(n string) bool {
	d, ok := digits(n)
	if !ok || len(d) != 9 && len(d) != 10 {
		return false
	}
	y := 1900 + d[0]*10 + d[1]
	m := (d[2]*10 + d[3]) % 50 % 20
	day := d[4]*10 + d[5]
	if len(d) == 9 {
		if y >= 1980 {
			y -= 100
		}
		if y > 1953 {
			return false
		}
	} else if y < 1954 {
		y += 100
	}
	if !validDate(y, m, day) {
		return false
	}
	if len(d) == 10 {
		v, _ := strconv.ParseInt(n[:9], 10, 64)
		c := int(v % 11)
		if c == 10 {
			c = 0
		}
		return c == d[9]
	}
	return true
}

// vatDE: German USt-IdNr, 9 digits not starting 0, ISO 7064 MOD 11,10.
func vatDE(n string) (string, bool) {
	d, ok := fixed(n, 9)
	return n, ok && d[0] != 0 && mod1110Valid(d)
}

// vatDK: Danish CVR, 8 digits not starting 0, weights 2,7,6,5,4,3,2,1 mod 11.
func vatDK(n string) (string, bool) {
	d, ok := fixed(n, 8)
	return n, ok && d[0] != 0 && weighted(d, 2, 7, 6, 5, 4, 3, 2, 1)%11 == 0
}

// vatEE: Estonian KMKR, 9 digits starting 10, weights 3,7,1 repeated mod 10.
func vatEE(n string) (string, bool) {
	d, ok := fixed(n, 9)
	return n, ok && strings.HasPrefix(n, "10") && weighted(d, 3, 7, 1, 3, 7, 1, 3, 7, 1)%10 == 0
}

// vatFI: Finnish ALV (Y-tunnus), 8 digits, weights 7,9,10,5,8,4,2,1 mod 11.
func vatFI(n string) (string, bool) {
	d, ok := fixed(n, 8)
	return n, ok && weighted(d, 7, 9, 10, 5, 8, 4, 2, 1)%11 == 0
}

// vatGR: Greek ΑΦΜ, 9 digits (8 get a leading 0): doubling sum mod 11 mod 10.
func vatGR(n string) (string, bool) {
	if len(n) == 8 {
		n = "0" + n
	}
	d, ok := fixed(n, 9)
	if !ok {
		return "", false
	}
	c := 0
	for _, v := range d[:8] {
		c = c*2 + v
	}
	return n, c*2%11%10 == d[8]
}

// vatHR: Croatian OIB, 11 digits, ISO 7064 MOD 11,10.
func vatHR(n string) (string, bool) {
	d, ok := fixed(n, 11)
	return n, ok && mod1110Valid(d)
}

// vatHU: Hungarian adószám, 8 digits, weights 9,7,3,1 repeated mod 10.
func vatHU(n string) (string, bool) {
	d, ok := fixed(n, 8)
	return n, ok && weighted(d, 9, 7, 3, 1, 9, 7, 3, 1)%10 == 0
}

// vatLU: Luxembourg, 8 digits, the first 6 mod 89 equal the last 2.
func vatLU(n string) (string, bool) {
	if _, ok := fixed(n, 8); !ok {
		return "", false
	}
	a, _ := strconv.Atoi(n[:6])
	b, _ := strconv.Atoi(n[6:])
	return n, a%89 == b
}

// vatMT: Maltese, 8 digits not starting 0, weights 3,4,6,7,8,9,10,1 mod 37.
func vatMT(n string) (string, bool) {
	d, ok := fixed(n, 8)
	return n, ok && d[0] != 0 && weighted(d, 3, 4, 6, 7, 8, 9, 10, 1)%37 == 0
}

// vatPL: Polish NIP, 10 digits, weights 6,5,7,2,3,4,5,6,7,-1 mod 11.
func vatPL(n string) (string, bool) {
	d, ok := fixed(n, 10)
	return n, ok && mod(weighted(d, 6, 5, 7, 2, 3, 4, 5, 6, 7, -1), 11) == 0
}

// vatPT: Portuguese NIF, 9 digits not starting 0, weights 9..2 mod 11.
func vatPT(n string) (string, bool) {
	d, ok := fixed(n, 9)
	return n, ok && d[0] != 0 && mod(11-weighted(d, 9, 8, 7, 6, 5, 4, 3, 2), 11)%10 == d[8]
}

// vatSE: Swedish momsregistreringsnummer, a Luhn-valid 10-digit
// organisation number followed by 01.
func vatSE(n string) (string, bool) {
	_, ok := fixed(n, 12)
	return n, ok && strings.HasSuffix(n, "01") && luhnValid(n[:10])
}

// vatSI: Slovenian davčna številka, 8 digits not starting 0; check =
// 11 - (weights 8..2 mod 11), 10 → 0, 11 never issued.
func vatSI(n string) (string, bool) {
	d, ok := fixed(n, 8)
	if !ok || d[0] == 0 {
		return "", false
	}
	c := 11 - weighted(d, 8, 7, 6, 5, 4, 3, 2)%11
	if c == 10 {
		c = 0
	}
	return n, c == d[7]
}

// vatSK: Slovak IČ DPH, 10 digits divisible by 11, not starting 0, third
// digit 2, 3, 4, 7, 8 or 9; or a valid birth number.
func vatSK(n string) (string, bool) {
	d, ok := fixed(n, 10)
	if !ok {
		return "", false
	}
	if birthNumber(n) {
		return n, true
	}
	v, _ := strconv.ParseInt(n, 10, 64)
	return n, d[0] != 0 && strings.ContainsRune("234789", rune('0'+d[2])) && v%11 == 0
}
