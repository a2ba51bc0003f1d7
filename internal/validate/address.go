package validate

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Option is a code and its English name, for the portal's select boxes.
type Option struct{ Code, Name string }

// embargoed countries are refused as billing countries (§D.3).
var embargoed = []string{"CU", "IR", "KP", "SY", "RU"}

// allowedCountries is iso3166 minus embargoed, sorted by code, and
// countryExpected the pydantic enum listing of it ("'AD', ... or 'ZW'").
var allowedCountries, countryExpected = func() (map[string]bool, string) {
	m := map[string]bool{}
	var quoted []string
	for _, o := range iso3166 {
		if !slices.Contains(embargoed, o.Code) {
			m[o.Code] = true
			quoted = append(quoted, "'"+o.Code+"'")
		}
	}
	return m, strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}()

// Countries returns the allowed billing countries (the 249 ISO 3166-1
// codes minus the embargoed ones), sorted by English name.
func Countries() []Option {
	out := make([]Option, 0, len(allowedCountries))
	for _, o := range iso3166 {
		if allowedCountries[o.Code] {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Option) int { return strings.Compare(sortName(a.Name), sortName(b.Name)) })
	return out
}

// sortName folds the few accented initials so that "Åland Islands" sorts
// among the A's.
func sortName(s string) string {
	return strings.NewReplacer("Å", "A", "Ô", "O", "Ü", "U", "é", "e", "ç", "c", "ü", "u").Replace(s)
}

// USStates returns the 50 US states and US-DC, in ISO 3166-2 form.
func USStates() []Option { return slices.Clone(usStates[:]) }

// CAProvinces returns Canada's 13 provinces and territories, CA-AB … CA-YT.
func CAProvinces() []Option { return slices.Clone(caProvinces[:]) }

// addressLines are AddressInput's optional string fields in model order.
var addressLines = []string{"line1", "line2", "postal_code", "city", "state"}

// Address decodes and validates an AddressInput value (§D.3). JSON null
// yields (nil, nil): whether null is allowed is the caller's rule. Lines are
// trimmed (empty → nil); country is upper-cased and must be allowed; for US
// and CA a bare state code is prefixed ("CA" → "US-CA") and must be real.
// Unknown keys are ignored.
func Address(loc []any, raw json.RawMessage) (*gatehouse.Address, []gatehouse.FieldError) {
	if strings.TrimSpace(string(raw)) == "null" {
		return nil, nil
	}
	keys, vals, whole, ok := decodeObject(raw)
	if !ok {
		return nil, []gatehouse.FieldError{{
			Type: "model_attributes_type", Loc: at(loc), Input: whole,
			Msg: "Input should be a valid dictionary or object to extract fields from",
		}}
	}
	fields := map[string]any{}
	for i, k := range keys {
		fields[k] = decodeAny(vals[i])
	}
	var a gatehouse.Address
	var errs []gatehouse.FieldError
	lines := []**string{&a.Line1, &a.Line2, &a.PostalCode, &a.City, &a.State}
	for i, name := range addressLines {
		v, present := fields[name]
		if !present || v == nil {
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			errs = append(errs, gatehouse.FieldError{Type: "string_type", Loc: at(loc, name), Msg: "Input should be a valid string", Input: v})
			continue
		}
		if e := NUL(at(loc, name), s); e != nil {
			errs = append(errs, *e)
			continue
		}
		*lines[i] = TrimOrNil(s)
	}
	country, cerr := addressCountry(loc, fields)
	if cerr != nil {
		errs = append(errs, *cerr)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	a.Country = country
	if e := addressState(loc, &a, whole); e != nil {
		return nil, []gatehouse.FieldError{*e}
	}
	return &a, nil
}

func addressCountry(loc []any, fields map[string]any) (string, *gatehouse.FieldError) {
	v, present := fields["country"]
	if !present {
		return "", &gatehouse.FieldError{Type: "missing", Loc: at(loc, "country"), Msg: "Field required", Input: fields}
	}
	s, isStr := v.(string)
	if isStr {
		s = strings.ToUpper(s)
		if allowedCountries[s] {
			return s, nil
		}
		v = s
	}
	return "", &gatehouse.FieldError{
		Type: "enum", Loc: at(loc, "country"), Msg: "Input should be " + countryExpected,
		Input: v, Ctx: map[string]any{"expected": countryExpected},
	}
}

// addressState prefixes and checks a US or CA state; other countries keep
// free text.
func addressState(loc []any, a *gatehouse.Address, whole any) *gatehouse.FieldError {
	var list []Option
	var msg string
	switch a.Country {
	case "US":
		list, msg = usStates[:], "Value error, Invalid US state"
	case "CA":
		list, msg = caProvinces[:], "Value error, Invalid CA subdivision"
	default:
		return nil
	}
	if a.State == nil {
		return nil
	}
	st := strings.ToUpper(*a.State)
	if !strings.HasPrefix(st, a.Country+"-") {
		st = a.Country + "-" + st
	}
	if !slices.ContainsFunc(list, func(o Option) bool { return o.Code == st }) {
		return valueError(loc, msg, whole)
	}
	a.State = &st
	return nil
}
