package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// maxNameLen is the limit of customer and owner names (§D.7).
const maxNameLen = 256

// parseCustomerCreate validates the tagged union CustomerCreate (§C.2);
// field errors are located under ["body", <type>, ...].
func parseCustomerCreate(f *form) (*gatehouse.CustomerCreate, error) {
	typ := gatehouse.CustomerIndividual
	if raw, ok := f.fields["type"]; ok {
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil || (s != gatehouse.CustomerIndividual && s != gatehouse.CustomerTeam) {
			tag := pythonTag(raw)
			return nil, gatehouse.InvalidSchema(gatehouse.FieldError{Type: "union_tag_invalid", Loc: []any{"body"},
				Msg:   fmt.Sprintf("Input tag '%s' found using 'type' does not match any of the expected tags: 'individual', 'team'", tag),
				Input: inputOf(f.whole),
				Ctx:   map[string]any{"discriminator": "'type'", "tag": tag, "expected_tags": "'individual', 'team'"}})
		}
		typ = s
	}
	f.withPrefix("body", typ)
	in := &gatehouse.CustomerCreate{Customer: gatehouse.Customer{Type: typ}}
	switch s, p := f.str("email"); {
	case p == set:
		if e, fe := validate.Email(f.loc("email"), s); !f.add(fe) {
			in.Customer.Email = &e
		}
	case p == absent && typ == gatehouse.CustomerIndividual && !f.tainted["email"]:
		f.errs = append(f.errs, gatehouse.FieldError{Type: "missing", Loc: f.loc("email"), Msg: "Field required", Input: inputOf(f.whole)})
	case p == null && typ == gatehouse.CustomerIndividual:
		f.errs = append(f.errs, gatehouse.FieldError{Type: "string_type", Loc: f.loc("email"), Msg: "Input should be a valid string", Input: nil})
	}
	in.Customer.Name = f.name("name")
	if s, p := f.str("external_id"); p == set {
		in.Customer.ExternalID = validate.TrimOrNil(s)
	}
	in.Customer.BillingAddress, _ = f.address("billing_address")
	if s, p := f.str("tax_id"); p == set {
		in.TaxID = validate.TrimOrNil(s)
	}
	in.Customer.Locale, _ = f.locale("locale")
	in.Customer.Metadata = gatehouse.Metadata{}
	if m, ok := f.metadata("metadata", false); ok {
		in.Customer.Metadata = m
	}
	if s, p := f.uuid("organization_id"); p == set {
		in.OrganizationID = &s
	}
	hasOwner := f.owner()
	if len(f.errs) == 0 && typ == gatehouse.CustomerTeam && in.Customer.Email == nil && !hasOwner {
		f.errs = append(f.errs, gatehouse.FieldError{Type: "value_error", Loc: []any{"body", "team"},
			Msg:   "Value error, An owner with an email address is required when creating a team customer without an email.",
			Input: inputOf(f.whole), Ctx: map[string]any{"error": map[string]any{}}})
	}
	return in, f.err()
}

// owner validates the accepted-and-ignored owner object of a team create
// and reports whether one was given.
func (f *form) owner() bool {
	raw, p := f.raw("owner")
	if p != set {
		return false
	}
	if raw[0] != '{' {
		f.errs = append(f.errs, gatehouse.FieldError{Type: "model_attributes_type", Loc: f.loc("owner"),
			Msg: "Input should be a valid dictionary or object to extract fields from", Input: inputOf(raw)})
		return false
	}
	sub := &form{whole: raw, prefix: f.loc("owner")}
	if json.Unmarshal(raw, &sub.fields) != nil {
		return false
	}
	switch s, p := sub.str("email"); p {
	case set:
		_, fe := validate.Email(sub.loc("email"), s)
		sub.add(fe)
	case absent, null:
		sub.errs = append(sub.errs, gatehouse.FieldError{Type: "missing", Loc: sub.loc("email"), Msg: "Field required", Input: inputOf(raw)})
	}
	sub.name("name")
	sub.str("external_id")
	f.errs = append(f.errs, sub.errs...)
	return true
}

// name reads a trimmed, at most 256-character optional string; nil for
// absent, null or empty.
func (f *form) name(field string) *string {
	s, p := f.str(field)
	if p != set {
		return nil
	}
	v := validate.TrimOrNil(s)
	if v != nil && f.add(validate.MaxLen(f.loc(field), *v, maxNameLen)) {
		return nil
	}
	return v
}

// billingChange reads the billing_address and tax_id of a patch, the part
// the merchant's and the portal's patches share.
func (f *form) billingChange() gatehouse.BillingChange {
	var b gatehouse.BillingChange
	switch a, pr := f.address("billing_address"); pr {
	case null:
		b.BillingAddressNull = true
	case set:
		b.BillingAddress = a
	}
	switch s, pr := f.str("tax_id"); pr {
	case null, set:
		b.TaxIDSet, b.TaxID = true, validate.TrimOrNil(s)
	}
	return b
}

// address reads an AddressInput (nil for absent or null).
func (f *form) address(field string) (*gatehouse.Address, presence) {
	raw, p := f.raw(field)
	if p != set {
		return nil, p
	}
	a, errs := validate.Address(f.loc(field), raw)
	if len(errs) > 0 {
		f.errs = append(f.errs, errs...)
		return nil, bad
	}
	return a, set
}

// locale reads a BCP 47 tag, canonicalized.
func (f *form) locale(field string) (*string, presence) {
	s, p := f.str(field)
	if p != set {
		return nil, p
	}
	v, fe := validate.Locale(f.loc(field), s)
	if f.add(fe) {
		return nil, bad
	}
	return &v, set
}

// metadata reads a metadata object; ok is false when absent, null or
// invalid. A null is a dict_type error unless nullOK.
func (f *form) metadata(field string, nullOK bool) (gatehouse.Metadata, bool) {
	raw, p := f.raw(field)
	switch {
	case p == null && !nullOK:
		f.errs = append(f.errs, gatehouse.FieldError{Type: "dict_type", Loc: f.loc(field), Msg: "Input should be a valid dictionary", Input: nil})
		return nil, false
	case p != set:
		return nil, false
	}
	m, errs := validate.Metadata(f.loc(field), raw)
	if len(errs) > 0 {
		f.errs = append(f.errs, errs...)
		return nil, false
	}
	if m == nil {
		m = gatehouse.Metadata{}
	}
	return m, true
}

// uuid reads a UUID version 4.
func (f *form) uuid(field string) (string, presence) {
	raw, p := f.raw(field)
	if p != set {
		return "", p
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.errs = append(f.errs, gatehouse.FieldError{Type: "uuid_type", Loc: f.loc(field),
			Msg: "UUID input should be a string, bytes or UUID object", Input: inputOf(raw)})
		return "", bad
	}
	v, fe := validate.UUID4(f.loc(field), s)
	if f.add(fe) {
		return "", bad
	}
	return v, set
}

// pythonTag renders a union tag value as Python's repr-less str() would.
func pythonTag(raw json.RawMessage) string {
	switch v := inputOf(raw).(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return v
	}
	return string(raw)
}

// seconds reads an integer number of seconds in [1, max], as pydantic's
// int with gt=0, le=max: a JSON number with a fraction is int_from_float, a
// string of digits is accepted (lax mode), anything else is int_type. No
// input, however large its digits or exponent, costs more than a float parse.
func (f *form) seconds(field string, max int64) (int64, presence) {
	raw, p := f.raw(field)
	if p != set {
		return 0, p
	}
	var n *big.Int
	switch c := raw[0]; {
	case c == '"':
		var text string
		_ = json.Unmarshal(raw, &text)
		v, ok := new(big.Int).SetString(strings.TrimSpace(text), 10)
		if !ok || len(text) > 64 {
			f.errs = append(f.errs, gatehouse.FieldError{Type: "int_parsing", Loc: f.loc(field),
				Msg: "Input should be a valid integer, unable to parse string as an integer", Input: inputOf(raw)})
			return 0, bad
		}
		n = v
	case c == '-' || c >= '0' && c <= '9':
		if !bytes.ContainsAny(raw, ".eE") {
			if len(raw) > 40 { // JSON has no leading zeros: out of range
				n = big.NewInt(math.MaxInt64)
				if c == '-' {
					n = big.NewInt(-1)
				}
			} else {
				var ok bool
				if n, ok = new(big.Int).SetString(string(raw), 10); !ok {
					n = big.NewInt(0)
				}
			}
			break
		}
		fl, err := strconv.ParseFloat(string(raw), 64)
		switch {
		case err == nil && fl != math.Trunc(fl):
			f.errs = append(f.errs, gatehouse.FieldError{Type: "int_from_float", Loc: f.loc(field),
				Msg: "Input should be a valid integer, got a number with a fractional part", Input: inputOf(raw)})
			return 0, bad
		case fl > 0:
			n = big.NewInt(math.MaxInt64) // above any max, including +Inf
			if fl < math.MaxInt64 {
				n = big.NewInt(int64(fl))
			}
		default:
			n = big.NewInt(0) // 0, negative, -Inf
		}
	default:
		f.errs = append(f.errs, gatehouse.FieldError{Type: "int_type", Loc: f.loc(field),
			Msg: "Input should be a valid integer", Input: inputOf(raw)})
		return 0, bad
	}
	switch {
	case n.Sign() <= 0:
		f.errs = append(f.errs, gatehouse.FieldError{Type: "greater_than", Loc: f.loc(field),
			Msg: "Input should be greater than 0", Input: inputOf(raw), Ctx: map[string]any{"gt": 0}})
		return 0, bad
	case !n.IsInt64() || n.Int64() > max:
		f.errs = append(f.errs, gatehouse.FieldError{Type: "less_than_equal", Loc: f.loc(field),
			Msg: fmt.Sprintf("Input should be less than or equal to %d", max), Input: inputOf(raw), Ctx: map[string]any{"le": max}})
		return 0, bad
	}
	return n.Int64(), set
}
