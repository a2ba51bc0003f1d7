package jsjson

import (
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// str reads a JSON string at p.pos and appends it as JSON.stringify writes
// the JavaScript string JSON.parse made of it.
//
// JavaScript strings are UTF-16 code units, so the decoding follows the code
// units: \uXXXX escapes of a high and a low surrogate in a row are one
// astral character (written raw, as UTF-8), any other surrogate escape is an
// unpaired code unit, which JSON.stringify (ES2019 "well-formed
// JSON.stringify") writes back as a lowercase \udxxx escape. Raw bytes must
// be valid UTF-8, which excludes raw surrogates.
func (p *parser) str() error {
	p.pos++ // opening quote
	p.out = append(p.out, '"')
	for {
		// Copy the run of bytes that need no attention in one append.
		run := p.pos
		for p.pos < len(p.in) {
			c := p.in[p.pos]
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			p.pos++
		}
		p.out = append(p.out, p.in[run:p.pos]...)
		if p.pos >= len(p.in) {
			return p.errorf("unterminated string")
		}
		switch c := p.in[p.pos]; {
		case c == '"':
			p.pos++
			p.out = append(p.out, '"')
			return nil
		case c == '\\':
			if err := p.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return p.errorf("control character %#02x in string", c)
		default:
			r, size := utf8.DecodeRune(p.in[p.pos:])
			if r == utf8.RuneError && size <= 1 {
				return p.errorf("invalid UTF-8 in string")
			}
			p.out = append(p.out, p.in[p.pos:p.pos+size]...)
			p.pos += size
		}
	}
}

// escape reads one backslash escape at p.pos.
func (p *parser) escape() error {
	if p.pos+1 >= len(p.in) {
		return p.errorf("unterminated escape")
	}
	c := p.in[p.pos+1]
	p.pos += 2
	switch c {
	case '"':
		p.out = append(p.out, '\\', '"')
	case '\\':
		p.out = append(p.out, '\\', '\\')
	case '/':
		p.out = append(p.out, '/')
	case 'b', 'f', 'n', 'r', 't':
		p.out = append(p.out, '\\', c)
	case 'u':
		u, ok := hex4(p.in[p.pos:])
		if !ok {
			p.pos -= 2
			return p.errorf("invalid \\u escape")
		}
		p.pos += 4
		p.codeUnit(u)
	default:
		p.pos -= 2
		return p.errorf("invalid escape \\%c", c)
	}
	return nil
}

// codeUnit appends the UTF-16 code unit u, read from a \u escape.
func (p *parser) codeUnit(u rune) {
	switch {
	case u >= 0xD800 && u <= 0xDBFF:
		// A high surrogate pairs only with an immediately following
		// \u escape of a low surrogate.
		if len(p.in)-p.pos >= 6 && p.in[p.pos] == '\\' && p.in[p.pos+1] == 'u' {
			if lo, ok := hex4(p.in[p.pos+2:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				p.pos += 6
				p.out = utf8.AppendRune(p.out, 0x10000+(u-0xD800)<<10+(lo-0xDC00))
				return
			}
		}
		p.out = appendUnicodeEscape(p.out, u)
	case u >= 0xDC00 && u <= 0xDFFF:
		p.out = appendUnicodeEscape(p.out, u)
	case u == '"' || u == '\\':
		p.out = append(p.out, '\\', byte(u))
	case u < 0x20:
		p.out = appendControl(p.out, byte(u))
	default:
		p.out = utf8.AppendRune(p.out, u)
	}
}

// appendControl appends the control character c (< 0x20) as
// JSON.stringify's QuoteJSONString escapes it.
func appendControl(b []byte, c byte) []byte {
	switch c {
	case '\b':
		return append(b, '\\', 'b')
	case '\t':
		return append(b, '\\', 't')
	case '\n':
		return append(b, '\\', 'n')
	case '\f':
		return append(b, '\\', 'f')
	case '\r':
		return append(b, '\\', 'r')
	}
	return appendUnicodeEscape(b, rune(c))
}

// appendUnicodeEscape appends \uXXXX with lowercase hex digits.
func appendUnicodeEscape(b []byte, u rune) []byte {
	return append(b, '\\', 'u',
		hexDigits[u>>12&0xF], hexDigits[u>>8&0xF], hexDigits[u>>4&0xF], hexDigits[u&0xF])
}

// hex4 reads four hexadecimal digits (either case) from the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var u rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			u = u<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			u = u<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			u = u<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return u, true
}
