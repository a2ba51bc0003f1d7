package openapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number
// so integers and floats can be told apart.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid json: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid json: data after the first value")
	}
	return v, nil
}

// resolveRef returns the value ref points to in root: a "#/a/b" JSON pointer
// (with ~1 for "/" and ~0 for "~") or a bare component schema name.
func resolveRef(root any, ref string) (any, error) {
	if ref == "" {
		return nil, errors.New("empty schema reference")
	}
	if ref[0] != '#' {
		ref = "#/components/schemas/" + ref
	}
	v, ok := pointer(root, ref[1:])
	if !ok {
		return nil, fmt.Errorf("schema reference %q does not resolve", ref)
	}
	return v, nil
}

// pointer follows a JSON pointer ("" or "/a/b") from v.
func pointer(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	for _, tok := range splitPointer(ptr[1:]) {
		switch t := v.(type) {
		case map[string]any:
			next, ok := t[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, ok := atoi(tok)
			if !ok || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func splitPointer(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			out = append(out, unescapePointer(s[start:i]))
			start = i + 1
		}
	}
	return out
}

func unescapePointer(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '~' && i+1 < len(s) && (s[i+1] == '0' || s[i+1] == '1') {
			b = append(b, "~/"[s[i+1]-'0'])
			i++
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// escapePointer escapes one JSON pointer token.
func escapePointer(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			b = append(b, "~0"...)
		case '/':
			b = append(b, "~1"...)
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
