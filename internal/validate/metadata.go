package validate

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
)

// Metadata limits of Polar's MetadataInputMixin.
const (
	metadataMaxKeys   = 50
	metadataKeyMax    = 40
	metadataStringMax = 500
)

// Metadata decodes and validates a metadata object (§D.5): at most 50 keys
// of 1-40 characters, each value a 1-500 character string, an integer, a
// float or a boolean. Numbers are kept as json.Number with their JSON text.
// A bad value yields pydantic's four union errors (loc ending
// "constrained-str", "int", "float", "bool"); a bad key yields an error at
// loc+[key, "[key]"]. JSON null is not accepted here: callers treat an
// absent or null metadata before calling.
func Metadata(loc []any, raw json.RawMessage) (gatehouse.Metadata, []gatehouse.FieldError) {
	keys, vals, whole, ok := decodeObject(raw)
	if !ok {
		return nil, []gatehouse.FieldError{{Type: "dict_type", Loc: at(loc), Msg: "Input should be a valid dictionary", Input: whole}}
	}
	out := gatehouse.Metadata{}
	var errs []gatehouse.FieldError
	for i, k := range keys {
		errs = append(errs, metadataKey(loc, k)...)
		v, verrs := metadataValue(at(loc, k), vals[i])
		if len(verrs) > 0 {
			errs = append(errs, verrs...)
			continue
		}
		out[k] = v
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(out) > metadataMaxKeys {
		return nil, []gatehouse.FieldError{{
			Type: "too_long", Loc: at(loc), Input: whole,
			Msg: "Dictionary should have at most 50 items after validation, not " + strconv.Itoa(len(out)),
			Ctx: map[string]any{"field_type": "Dictionary", "max_length": metadataMaxKeys, "actual_length": len(out)},
		}}
	}
	return out, nil
}

func metadataKey(loc []any, k string) []gatehouse.FieldError {
	kl := at(loc, k, "[key]")
	switch n := utf8.RuneCountInString(k); {
	case n == 0:
		return []gatehouse.FieldError{*tooShort(kl, k, 1)}
	case n > metadataKeyMax:
		return []gatehouse.FieldError{*tooLong(kl, k, metadataKeyMax)}
	}
	if e := NUL(kl, k); e != nil {
		return []gatehouse.FieldError{*e}
	}
	return nil
}

// metadataValue validates one value against str(1..500) | int | float | bool
// the way pydantic's smart union does: an exact type match wins; a string
// that fails the string constraints may still parse leniently as a number
// or a boolean; otherwise one error per union member is reported.
func metadataValue(loc []any, raw json.RawMessage) (any, []gatehouse.FieldError) {
	v := decodeAny(raw)
	switch x := v.(type) {
	case bool:
		return x, nil
	case json.Number:
		if !representable(x) {
			// Numbers beyond int64 / float64 would be stored and echoed back
			// but cannot be read by most clients (JavaScript gives Infinity).
			return nil, []gatehouse.FieldError{
				{Type: "string_type", Loc: at(loc, "constrained-str"), Msg: "Input should be a valid string", Input: x},
				{Type: "int_parsing_size", Loc: at(loc, "int"), Msg: "Unable to parse input string as an integer, exceeded maximum size", Input: x},
				{Type: "finite_number", Loc: at(loc, "float"), Msg: "Input should be a finite number", Input: x},
				{Type: "bool_type", Loc: at(loc, "bool"), Msg: "Input should be a valid boolean", Input: x},
			}
		}
		return x, nil
	case string:
		n := utf8.RuneCountInString(x)
		if n >= 1 && n <= metadataStringMax {
			if e := NUL(loc, x); e != nil {
				return nil, []gatehouse.FieldError{*e}
			}
			return x, nil
		}
		if num, ok := laxInt(x); ok {
			return num, nil
		}
		if num, ok := laxFloat(x); ok {
			return num, nil
		}
		if b, ok := laxBool(x); ok {
			return b, nil
		}
		var strErr *gatehouse.FieldError
		if n == 0 {
			strErr = tooShort(at(loc, "constrained-str"), x, 1)
		} else {
			strErr = tooLong(at(loc, "constrained-str"), x, metadataStringMax)
		}
		return nil, []gatehouse.FieldError{*strErr,
			{Type: "int_parsing", Loc: at(loc, "int"), Msg: "Input should be a valid integer, unable to parse string as an integer", Input: x},
			{Type: "float_parsing", Loc: at(loc, "float"), Msg: "Input should be a valid number, unable to parse string as a number", Input: x},
			{Type: "bool_parsing", Loc: at(loc, "bool"), Msg: "Input should be a valid boolean, unable to interpret input", Input: x},
		}
	}
	return nil, []gatehouse.FieldError{
		{Type: "string_type", Loc: at(loc, "constrained-str"), Msg: "Input should be a valid string", Input: v},
		{Type: "int_type", Loc: at(loc, "int"), Msg: "Input should be a valid integer", Input: v},
		{Type: "float_type", Loc: at(loc, "float"), Msg: "Input should be a valid number", Input: v},
		{Type: "bool_type", Loc: at(loc, "bool"), Msg: "Input should be a valid boolean", Input: v},
	}
}

// laxInt parses a string as pydantic's lax int does: surrounding white
// space, an optional sign, digits, and optionally a zero fraction ("1.00").
func laxInt(s string) (json.Number, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if strings.Trim(s[i+1:], "0") != "" {
			return "", false
		}
		s = s[:i]
	}
	var n big.Int
	if s == "" || strings.ContainsAny(s, "_ ") {
		return "", false
	}
	if _, ok := n.SetString(s, 10); !ok {
		return "", false
	}
	return json.Number(n.String()), true
}

// laxFloat parses a finite decimal number written as JSON would write it.
func laxFloat(s string) (json.Number, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if s == "" || !json.Valid([]byte(s)) || strings.ContainsAny(s, "\"[]{}tfn") {
		return "", false
	}
	return json.Number(s), true
}

func laxBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "on", "1":
		return true, true
	case "false", "f", "no", "n", "off", "0":
		return false, true
	}
	return false, false
}

// decodeAny decodes a JSON value keeping numbers as json.Number; invalid
// JSON yields nil.
func decodeAny(raw json.RawMessage) any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

// decodeObject splits a JSON object into its keys and raw values in
// document order (a repeated key keeps its first position and last value,
// as Python's json module does). ok is false when raw is not an object;
// whole is the decoded value either way, for error inputs.
func decodeObject(raw json.RawMessage) (keys []string, vals []json.RawMessage, whole any, ok bool) {
	whole = decodeAny(raw)
	if _, isObj := whole.(map[string]any); !isObj {
		return nil, nil, whole, false
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if _, err := d.Token(); err != nil {
		return nil, nil, whole, false
	}
	index := map[string]int{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil, whole, false
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, nil, whole, false
		}
		if i, dup := index[k]; dup {
			vals[i] = v
			continue
		}
		index[k] = len(keys)
		keys = append(keys, k)
		vals = append(vals, v)
	}
	return keys, vals, whole, true
}

// representable reports whether n fits an int64 (integer literals) or a
// finite float64 (anything else).
func representable(n json.Number) bool {
	if !strings.ContainsAny(string(n), ".eE") {
		_, err := strconv.ParseInt(string(n), 10, 64)
		return err == nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return err == nil && !math.IsInf(f, 0)
}
