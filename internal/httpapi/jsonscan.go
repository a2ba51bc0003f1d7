package httpapi

import (
	"bytes"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// checkJSON validates b as one JSON value, as Python's json module would,
// and returns the contract's json_invalid error (character offset, Python's
// message) or nil. It also refuses invalid UTF-8 and nesting deeper than
// maxDepth.
func checkJSON(b []byte) *gatehouse.FieldError {
	msg, pos := "", 0
	if !utf8.Valid(b) {
		pos = 0
		for pos < len(b) {
			r, n := utf8.DecodeRune(b[pos:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			pos += n
		}
		msg = "Invalid UTF-8"
	} else {
		s := &scanner{b: b}
		s.value()
		if s.msg == "" {
			s.skipSpace()
			if s.i < len(b) {
				s.fail("Extra data", s.i)
			}
		}
		msg, pos = s.msg, s.pos
	}
	if msg == "" {
		return nil
	}
	return &gatehouse.FieldError{Type: "json_invalid", Loc: []any{"body", utf8.RuneCount(b[:pos])},
		Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": msg}}
}

// scanner is a JSON syntax checker that reports errors the way Python's json
// module does (same messages, same positions).
type scanner struct {
	b     []byte
	i     int
	depth int
	msg   string
	pos   int
}

func (s *scanner) fail(msg string, pos int) {
	if s.msg == "" {
		s.msg, s.pos = msg, pos
	}
}

func (s *scanner) skipSpace() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

func (s *scanner) value() {
	s.skipSpace()
	if s.i >= len(s.b) {
		s.fail("Expecting value", s.i)
		return
	}
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		if s.depth++; s.depth > maxDepth {
			s.fail("Maximum nesting depth exceeded", s.i)
			return
		}
		if c == '{' {
			s.object()
		} else {
			s.array()
		}
		s.depth--
	case c == '"':
		s.str()
	case c == '-' || c >= '0' && c <= '9':
		s.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
				s.i += len(lit)
				return
			}
		}
		s.fail("Expecting value", s.i)
	}
}

func (s *scanner) object() {
	s.i++ // {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return
	}
	for s.msg == "" {
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			s.fail("Expecting property name enclosed in double quotes", s.i)
			return
		}
		if s.str(); s.msg != "" {
			return
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			s.fail("Expecting ':' delimiter", s.i)
			return
		}
		s.i++
		if s.value(); s.msg != "" {
			return
		}
		if s.afterItem('}') {
			return
		}
	}
}

func (s *scanner) array() {
	s.i++ // [
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return
	}
	for s.msg == "" {
		if s.value(); s.msg != "" {
			return
		}
		if s.afterItem(']') {
			return
		}
	}
}

// afterItem reads what follows an item of an object or array: the closing
// byte (it reports true), a comma (false, the next item follows), or
// anything else (a failure, which ends the caller's loop).
func (s *scanner) afterItem(closing byte) bool {
	s.skipSpace()
	switch {
	case s.i < len(s.b) && s.b[s.i] == closing:
		s.i++
		return true
	case s.i < len(s.b) && s.b[s.i] == ',':
		s.i++
	default:
		s.fail("Expecting ',' delimiter", s.i)
	}
	return false
}

func (s *scanner) str() {
	start := s.i
	s.i++ // "
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return
		case c < 0x20:
			s.fail("Invalid control character at", s.i)
			return
		case c == '\\':
			if s.i+1 >= len(s.b) {
				s.fail("Unterminated string starting at", start)
				return
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) || !isHex4(s.b[s.i+2:s.i+6]) {
					s.fail("Invalid \\uXXXX escape", s.i+1)
					return
				}
				s.i += 6
			default:
				s.fail("Invalid \\escape", s.i)
				return
			}
		default:
			s.i++
		}
	}
	s.fail("Unterminated string starting at", start)
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// number consumes the longest prefix matching Python's number pattern
// -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?; what follows is the caller's error.
func (s *scanner) number() {
	start := s.i
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case digits() == 0:
		s.i = start
		s.fail("Expecting value", start)
		return
	}
	if s.i+1 < len(s.b) && s.b[s.i] == '.' && s.b[s.i+1] >= '0' && s.b[s.i+1] <= '9' {
		s.i++
		digits()
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		save := s.i
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			s.i = save
		}
	}
}
