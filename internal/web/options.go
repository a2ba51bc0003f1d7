package web

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/validate"
)

// Option is one entry of a select list: an ISO code and its English name.
type Option struct {
	Code string
	Name string
}

// countryOptions lists the allowed billing countries by English name.
func countryOptions() []Option { return convert(validate.Countries()) }

// usStateOptions lists US states and DC with ISO 3166-2 codes ("US-CA").
func usStateOptions() []Option { return prefixed("US", convert(validate.USStates())) }

// caProvinceOptions lists Canada's provinces and territories ("CA-ON").
func caProvinceOptions() []Option { return prefixed("CA", convert(validate.CAProvinces())) }

func convert(in []validate.Option) []Option {
	out := make([]Option, len(in))
	for i, o := range in {
		out[i] = Option{Code: o.Code, Name: o.Name}
	}
	return out
}

// prefixed makes every code an ISO 3166-2 code of country ("CA" -> "US-CA").
func prefixed(country string, opts []Option) []Option {
	out := make([]Option, len(opts))
	for i, o := range opts {
		if !strings.HasPrefix(o.Code, country+"-") {
			o.Code = country + "-" + o.Code
		}
		out[i] = o
	}
	return out
}

// hasSubdivisions reports whether country's state must come from the list.
func hasSubdivisions(country string) bool {
	c := strings.ToUpper(strings.TrimSpace(country))
	return c == "US" || c == "CA"
}
