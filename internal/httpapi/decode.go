package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// maxDepth bounds the nesting of request JSON; deeper bodies are rejected
// as invalid JSON before anything is decoded.
const maxDepth = 64

// readBody reads the request body, at most maxBodyBytes of it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return nil, err // *http.MaxBytesError becomes a 413 in writeError
	}
	return b, nil
}

// form is a JSON object request body being validated: its top-level fields,
// the location prefix of its errors, and the schema errors found so far.
// Every problem is collected so that one response reports them all.
type form struct {
	fields  map[string]json.RawMessage
	whole   json.RawMessage
	prefix  []any
	errs    []gatehouse.FieldError
	tainted map[string]bool // top-level keys whose strings hold NUL (already reported)
}

// readForm reads and parses a JSON object body. Invalid UTF-8 or JSON, too
// deep nesting, a missing body or a non-object are schema errors at once.
func readForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	b, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	return parseForm(b)
}

// parseForm is readForm on bytes already read.
func parseForm(b []byte) (*form, error) {
	if len(b) == 0 {
		return nil, gatehouse.InvalidSchema(gatehouse.FieldError{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil})
	}
	if fe := checkJSON(b); fe != nil {
		return nil, gatehouse.InvalidSchema(*fe)
	}
	f := &form{whole: b, prefix: []any{"body"}}
	if b[firstNonSpace(b)] != '{' {
		return nil, gatehouse.InvalidSchema(gatehouse.FieldError{Type: "model_attributes_type", Loc: []any{"body"},
			Msg: "Input should be a valid dictionary or object to extract fields from", Input: inputOf(b)})
	}
	if err := json.Unmarshal(b, &f.fields); err != nil {
		return nil, gatehouse.InvalidSchema(gatehouse.FieldError{Type: "json_invalid", Loc: []any{"body", 0},
			Msg: "JSON decode error", Input: map[string]any{}, Ctx: map[string]any{"error": "Invalid JSON"}})
	}
	return f, nil
}

// withPrefix sets the location prefix (e.g. body, individual) and reports
// NUL characters anywhere under the fields, marking those fields done.
func (f *form) withPrefix(prefix ...any) *form {
	f.prefix = prefix
	if !bytes.Contains(f.whole, []byte(`\u0000`)) {
		return f
	}
	f.tainted = map[string]bool{}
	for name, raw := range f.fields {
		n := len(f.errs)
		walkNUL(f.loc(name), inputOf(raw), &f.errs)
		if len(f.errs) > n {
			f.tainted[name] = true
		}
	}
	return f
}

// walkNUL reports every string (key or value) under v that contains NUL.
func walkNUL(loc []any, v any, errs *[]gatehouse.FieldError) {
	switch v := v.(type) {
	case string:
		if fe := validate.NUL(loc, v); fe != nil {
			*errs = append(*errs, *fe)
		}
	case map[string]any:
		for k, x := range v {
			kl := appendLoc(loc, k)
			if fe := validate.NUL(appendLoc(kl, "[key]"), k); fe != nil {
				*errs = append(*errs, *fe)
			}
			walkNUL(kl, x, errs)
		}
	case []any:
		for i, x := range v {
			walkNUL(appendLoc(loc, i), x, errs)
		}
	}
}

func appendLoc(loc []any, parts ...any) []any {
	return append(append(make([]any, 0, len(loc)+len(parts)), loc...), parts...)
}

// loc returns the error location of a field of the form.
func (f *form) loc(parts ...any) []any { return appendLoc(f.prefix, parts...) }

// add records fe when it is not nil and reports whether it did.
func (f *form) add(fe *gatehouse.FieldError) bool {
	if fe == nil {
		return false
	}
	f.errs = append(f.errs, *fe)
	return true
}

// err returns the collected schema errors, or nil.
func (f *form) err() error {
	if len(f.errs) == 0 {
		return nil
	}
	return gatehouse.InvalidSchema(f.errs...)
}

// presence of a field in a body.
type presence int

const (
	absent presence = iota // key not sent (or already reported)
	null                   // explicit null
	set                    // a value of the right type
	bad                    // wrong type, error recorded
)

// raw returns a field's JSON value and whether it was sent and not null.
func (f *form) raw(name string) (json.RawMessage, presence) {
	v, ok := f.fields[name]
	switch {
	case !ok || f.tainted[name]:
		return nil, absent
	case string(v) == "null":
		return nil, null
	}
	return v, set
}

// str reads a string field; any other JSON type is a string_type error.
func (f *form) str(name string) (string, presence) {
	v, p := f.raw(name)
	if p != set {
		return "", p
	}
	var s string
	if v[0] != '"' || json.Unmarshal(v, &s) != nil {
		f.errs = append(f.errs, gatehouse.FieldError{Type: "string_type", Loc: f.loc(name), Msg: "Input should be a valid string", Input: inputOf(v)})
		return "", bad
	}
	return s, set
}

// inputOf decodes raw JSON for echoing in an error's input (numbers kept
// exact). Invalid JSON gives nil.
func inputOf(raw []byte) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

func firstNonSpace(b []byte) int {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return min(i, len(b)-1)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// withPathError is the error of a request whose path parameter failed with
// pathErr (nil: it passed) and whose body parsed with err: the path's
// schema error reported with the body's schema errors, else err.
func withPathError(pathErr *gatehouse.FieldError, err error) error {
	if pathErr == nil {
		return err
	}
	if e, ok := err.(*gatehouse.Error); ok && e.Schema {
		return gatehouse.InvalidSchema(append([]gatehouse.FieldError{*pathErr}, e.Fields...)...)
	}
	return gatehouse.InvalidSchema(*pathErr)
}
