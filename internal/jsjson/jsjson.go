// Package jsjson writes JSON exactly as JavaScript's
// JSON.stringify(JSON.parse(text)) writes it.
//
// Webhook bodies must be byte-identical to that: Polar's Express adapter
// verifies the signature over JSON.stringify(req.body), the body re-written
// by JavaScript after express.json() parsed it, not over the bytes that
// arrived. A body Gatehouse signs therefore has to be a fixed point of that
// round trip, and Canonical computes it:
//
//   - no insignificant whitespace, no trailing newline;
//   - strings escape only '"', '\\' and the controls below U+0020 (\b \t \n
//     \f \r, the others as \u00xx with lowercase hex); '<', '>', '&', U+2028
//     and U+2029 stay raw; an unpaired surrogate escape stays an escape
//     (\udxxx, lowercase), a paired one becomes the raw character;
//   - numbers are parsed to float64 and printed as ECMAScript's
//     Number::toString prints them (1e21 is "1e+21", 1e-7 is "1e-7", 3.0 is
//     "3", -0 is "0"); a number too large for a float64 becomes Infinity,
//     which JSON.stringify writes as null;
//   - object members are ordered as a JavaScript object orders its own
//     properties: array-index keys ("0" to "4294967294" without leading
//     zeros) first, in ascending numeric order, then the others in the order
//     they were first seen; a repeated key keeps its first position and takes
//     its last value.
//
// Input must be valid UTF-8: JSON.parse reads a JavaScript string, which a
// byte decoder only produces after replacing invalid sequences with U+FFFD,
// and a signature over such a body could not survive the round trip anyway.
// Canonical rejects invalid UTF-8 (and a leading byte-order mark, which
// JSON.parse also rejects) rather than guessing.
package jsjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrInvalid is wrapped by every error Canonical returns: the input is not
// JSON that JSON.parse accepts, or not valid UTF-8, or nested too deeply.
var ErrInvalid = errors.New("jsjson: invalid JSON")

// MaxDepth is the deepest nesting of arrays and objects Canonical accepts,
// the same limit as encoding/json's decoder.
const MaxDepth = 10000

// Canonical returns the bytes JSON.stringify(JSON.parse(text)) gives for the
// JSON text b. The result is a new slice; b is not modified. An error wraps
// ErrInvalid and names the byte offset of the problem.
func Canonical(b []byte) ([]byte, error) {
	p := parser{in: b, out: make([]byte, 0, len(b))}
	p.skipSpace()
	if err := p.value(); err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.in) {
		return nil, p.errorf("unexpected %q after the top-level value", p.in[p.pos])
	}
	return p.out, nil
}

// Marshal returns the JSON encoding of v as encoding/json writes it (HTML
// escaping off), then made canonical: what JSON.stringify(JSON.parse(x))
// gives for it, with no trailing newline. Marshalers run as usual.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("jsjson: marshal: %w", err)
	}
	return Canonical(buf.Bytes())
}

// parser reads in and appends the canonical form to out as it goes; objects
// are reordered in place afterwards only when their keys require it.
type parser struct {
	in    []byte
	pos   int
	out   []byte
	depth int
	// members is a stack of the members of the objects being parsed: an
	// object appends its own after each value (by then a nested object has
	// popped its members), so each object's members are contiguous.
	members []member
}

// member locates one object member in out: the quoted key is
// out[key:colon], the value out[colon+1:end].
type member struct {
	key, colon, end int
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at offset %d", ErrInvalid, fmt.Sprintf(format, args...), p.pos)
}

// skipSpace skips the whitespace JSON.parse allows: space, tab, LF, CR.
func (p *parser) skipSpace() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value() error {
	if p.pos >= len(p.in) {
		return p.errorf("unexpected end of input")
	}
	switch c := p.in[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	default:
		return p.errorf("unexpected %q", c)
	}
}

func (p *parser) literal(word string) error {
	if !bytes.HasPrefix(p.in[p.pos:], []byte(word)) {
		return p.errorf("invalid literal")
	}
	p.pos += len(word)
	p.out = append(p.out, word...)
	return nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf("nesting deeper than %d", MaxDepth)
	}
	return nil
}

func (p *parser) array() error {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // [
	p.out = append(p.out, '[')
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.out = append(p.out, ']')
		p.depth--
		return nil
	}
	for {
		p.skipSpace()
		if err := p.value(); err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(p.in) {
			return p.errorf("unterminated array")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
		case ']':
			p.pos++
			p.out = append(p.out, ']')
			p.depth--
			return nil
		default:
			return p.errorf("expected ',' or ']' in array, got %q", p.in[p.pos])
		}
	}
}

func (p *parser) object() error {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // {
	start := len(p.out)
	p.out = append(p.out, '{')
	p.skipSpace()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.out = append(p.out, '}')
		p.depth--
		return nil
	}
	base := len(p.members)
	for {
		p.skipSpace()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return p.errorf("expected a string key in object")
		}
		key := len(p.out)
		if err := p.str(); err != nil {
			return err
		}
		colon := len(p.out)
		p.skipSpace()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return p.errorf("expected ':' after object key")
		}
		p.pos++
		p.out = append(p.out, ':')
		p.skipSpace()
		if err := p.value(); err != nil {
			return err
		}
		p.members = append(p.members, member{key, colon, len(p.out)})
		p.skipSpace()
		if p.pos >= len(p.in) {
			return p.errorf("unterminated object")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
			continue
		case '}':
			p.pos++
			p.out = append(p.out, '}')
		default:
			return p.errorf("expected ',' or '}' in object, got %q", p.in[p.pos])
		}
		break
	}
	p.reorder(start, p.members[base:])
	p.members = p.members[:base]
	p.depth--
	return nil
}
