package jsjson

import (
	"math"
	"strconv"
)

// number reads a JSON number at p.pos, checking the grammar JSON.parse
// accepts (strconv.ParseFloat alone would also take hex, underscores, "Inf"
// and leading '+'), and appends it as JSON.stringify writes the float64 it
// denotes.
func (p *parser) number() error {
	start := p.pos
	if p.in[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.in) && p.in[p.pos] == '0':
		p.pos++
	case p.pos < len(p.in) && p.in[p.pos] >= '1' && p.in[p.pos] <= '9':
		p.digits()
	default:
		return p.errorf("invalid number")
	}
	if p.pos < len(p.in) && p.in[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return p.errorf("invalid number: no digit after '.'")
		}
	}
	if p.pos < len(p.in) && (p.in[p.pos] == 'e' || p.in[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.in) && (p.in[p.pos] == '+' || p.in[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return p.errorf("invalid number: no digit in exponent")
		}
	}
	// The grammar is checked, so the only error ParseFloat can report is
	// ErrRange, with ±Inf (overflow) or a signed zero (underflow), which is
	// what JavaScript's StringToNumber gives too.
	f, _ := strconv.ParseFloat(string(p.in[start:p.pos]), 64)
	p.out = appendNumber(p.out, f)
	return nil
}

// digits skips a run of decimal digits and returns its length.
func (p *parser) digits() int {
	start := p.pos
	for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

// appendNumber appends f as JSON.stringify writes a Number: null for NaN
// and ±Infinity, otherwise ECMAScript's Number::toString(f) (ECMA-262
// §6.1.6.1.20). The digits are the shortest that round-trip, closest to f
// when several are as short, which is what strconv's shortest formatting
// computes.
func appendNumber(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		return append(b, '0') // -0 too: Number::toString(-0) is "0"
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d[.ddd]e±XX
	var digits [24]byte
	k := 0
	i := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[k] = e[i]
			k++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	n := exp + 1 // f = 0.d1d2...dk × 10^n
	ds := digits[:k]
	switch {
	case k <= n && n <= 21:
		b = append(b, ds...)
		for range n - k {
			b = append(b, '0')
		}
	case 0 < n && n <= 21:
		b = append(b, ds[:n]...)
		b = append(b, '.')
		b = append(b, ds[n:]...)
	case -6 < n && n <= 0:
		b = append(b, '0', '.')
		for range -n {
			b = append(b, '0')
		}
		b = append(b, ds...)
	default:
		b = append(b, ds[0])
		if k > 1 {
			b = append(b, '.')
			b = append(b, ds[1:]...)
		}
		b = append(b, 'e')
		if n-1 >= 0 {
			b = append(b, '+')
		}
		b = strconv.AppendInt(b, int64(n-1), 10)
	}
	return b
}
