package validate

import (
	"strconv"
	"strings"
)

// dniLetters is the Spanish DNI/NIE check-letter table (number mod 23).
const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// vatES: Spanish NIF: DNI (8 digits + letter), NIE (X/Y/Z + 7 digits +
// letter, X/Y/Z counting as 0/1/2), K/L/M (DNI letter on 7 digits), or a
// company CIF (letter + 7 digits + Luhn-derived digit or letter).
func vatES(n string) (string, bool) {
	if len(n) != 9 {
		return "", false
	}
	if _, ok := digits(n[1:8]); !ok {
		return "", false
	}
	first, last := n[0], n[8]
	dni := func(num string) bool {
		v, err := strconv.Atoi(num)
		return err == nil && dniLetters[v%23] == last
	}
	switch {
	case first >= '0' && first <= '9':
		return n, dni(n[:8])
	case first == 'X' || first == 'Y' || first == 'Z':
		return n, dni(string('0'+first-'X') + n[1:8])
	case first == 'K' || first == 'L' || first == 'M':
		return n, dni(n[1:8])
	case strings.IndexByte("ABCDEFGHJNPQRSUVW", first) >= 0:
		d, _ := digits(n[1:8])
		c := mod(10-luhnSum(append(d, 0)), 10)
		return n, last == byte('0'+c) || last == "JABCDEFGHI"[c]
	}
	return "", false
}

// frAlphabet is the French TVA key alphabet (no I or O).
const frAlphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// vatFR: French TVA: a 2-character key and a 9-digit SIREN (Luhn-valid,
// except Monaco's 000 numbers). A numeric key equals (SIREN*100+12) mod 97;
// the newer alphanumeric keys use the DGFiP mod-11 scheme.
func vatFR(n string) (string, bool) {
	if len(n) != 11 || strings.IndexByte(frAlphabet, n[0]) < 0 || strings.IndexByte(frAlphabet, n[1]) < 0 {
		return "", false
	}
	if _, ok := digits(n[2:]); !ok {
		return "", false
	}
	if n[2:5] != "000" && !luhnValid(n[2:]) {
		return "", false
	}
	siren, _ := strconv.ParseInt(n[2:], 10, 64)
	if _, numeric := digits(n[:2]); numeric {
		key, _ := strconv.Atoi(n[:2])
		return n, int64(key) == (siren*100+12)%97
	}
	a, b := strings.IndexByte(frAlphabet, n[0]), strings.IndexByte(frAlphabet, n[1])
	var check int
	if n[0] >= '0' && n[0] <= '9' {
		check = a*24 + b - 10
	} else {
		check = a*34 + b - 100
	}
	return n, (siren+1+int64(check/11))%11 == int64(check%11)
}

// ieAlphabet maps Irish check characters (W = 0, A = 1, ...).
const ieAlphabet = "WABCDEFGHIJKLMNOPQRSTUV"

// vatIE: Irish VAT: 7 digits + check letter (+ optional second letter,
// weighted 9), or the old form digit, letter/+/*, 5 digits, check letter.
func vatIE(n string) (string, bool) {
	if len(n) != 8 && len(n) != 9 {
		return "", false
	}
	if _, ok := digits(n[:1] + n[2:7]); !ok {
		return "", false
	}
	for i := 7; i < len(n); i++ {
		if strings.IndexByte(ieAlphabet, n[i]) < 0 {
			return "", false
		}
	}
	calc := func(num, extra string) byte {
		num = strings.Repeat("0", 7-len(num)) + num
		d, _ := digits(num)
		s := weighted(d, 8, 7, 6, 5, 4, 3, 2)
		if extra != "" {
			s += 9 * strings.IndexByte(ieAlphabet, extra[0])
		}
		return ieAlphabet[s%23]
	}
	if _, ok := digits(n[:7]); ok {
		return n, n[7] == calc(n[:7], n[8:])
	}
	if len(n) == 8 && strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ+*", n[1]) >= 0 {
		return n, n[7] == calc(n[2:7]+n[:1], "")
	}
	return "", false
}

// vatIT: Italian partita IVA, 11 digits: a non-zero 7-digit company number,
// a province office code (001-100, 120, 121, 888, 999), Luhn check digit.
func vatIT(n string) (string, bool) {
	if _, ok := fixed(n, 11); !ok || n[:7] == "0000000" {
		return "", false
	}
	office := n[7:10]
	if !(office >= "001" && office <= "100") && office != "120" && office != "121" && office != "888" && office != "999" {
		return "", false
	}
	return n, luhnValid(n)
}

// vatLT: Lithuanian PVM code, 9 digits (8th is 1) or 12 digits (11th is
// 1); weights 1..9,1.. mod 11, retried with weights shifted by 2 on 10.
func vatLT(n string) (string, bool) {
	d, ok := digits(n)
	if !ok || !(len(d) == 9 && d[7] == 1 || len(d) == 12 && d[10] == 1) {
		return "", false
	}
	body := d[:len(d)-1]
	c := 0
	for i, v := range body {
		c += (1 + i%9) * v
	}
	c %= 11
	if c == 10 {
		c = 0
		for i, v := range body {
			c += (1 + (i+2)%9) * v
		}
		c %= 11
	}
	return n, c%10 == d[len(d)-1]
}

// vatLV: Latvian PVN, 11 digits: legal entities (first digit > 3) have a
// weighted sum mod 11 of 3; persons carry a DDMMYY birth date and a check digit.
func vatLV(n string) (string, bool) {
	d, ok := fixed(n, 11)
	if !ok {
		return "", false
	}
	if d[0] > 3 {
		return n, weighted(d, 9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1)%11 == 3
	}
	if !validDate(1800+d[6]*100+d[4]*10+d[5], d[2]*10+d[3], d[0]*10+d[1]) {
		return "", false
	}
	return n, (1+weighted(d, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9))%11%10 == d[10]
}

// vatNL: Dutch btw-id, 9 digits + "B" + 2 digits (shorter numbers are
// zero-padded); valid when the 9 digits pass the 11-test (as a BSN) or the
// whole "NL..." string passes ISO 7064 MOD 97-10 (since 2020).
func vatNL(n string) (string, bool) {
	if len(n) < 4 || len(n) > 12 {
		return "", false
	}
	n = strings.Repeat("0", 12-len(n)) + n
	d, ok := digits(n[:9])
	if !ok || n[9] != 'B' || n[:9] == "000000000" {
		return "", false
	}
	if _, ok := digits(n[10:]); !ok || n[10:] == "00" {
		return "", false
	}
	if mod(weighted(d, 9, 8, 7, 6, 5, 4, 3, 2, -1), 11) == 0 {
		return n, true
	}
	return n, mod97("NL"+n) == 1
}

// mod97 returns an alphanumeric string's value mod 97 (A = 10 ... Z = 35).
func mod97(s string) int {
	r := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}

// vatRO: Romanian CIF/CUI of 2-10 digits (weights 7,5,3,2,1,7,5,3,2 right
// aligned, 10*sum mod 11 mod 10), or a 13-digit personal CNP.
func vatRO(n string) (string, bool) {
	d, ok := digits(n)
	if !ok || d[0] == 0 {
		return "", false
	}
	if len(d) == 13 {
		return n, roCNP(d)
	}
	if len(d) < 2 || len(d) > 10 {
		return "", false
	}
	body := append(make([]int, 10-len(d)), d[:len(d)-1]...)
	return n, 10*weighted(body, 7, 5, 3, 2, 1, 7, 5, 3, 2)%11%10 == d[len(d)-1]
}

// roCNP checks a Romanian personal numeric code: sex/century digit, a
// valid birth date, and weights 2,7,9,1,4,6,3,5,8,2,7,9 mod 11 (10 → 1).
func roCNP(d []int) bool {
	century := [10]int{0, 1900, 1900, 1800, 1800, 2000, 2000, 1900, 1900, 1900}[d[0]]
	if century == 0 || !validDate(century+d[1]*10+d[2], d[3]*10+d[4], d[5]*10+d[6]) {
		return false
	}
	c := weighted(d, 2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9) % 11
	if c == 10 {
		c = 1
	}
	return c == d[12]
}
