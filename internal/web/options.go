package web

import "strings"

// Option is one entry of a select list: an ISO code and its English name.
type Option struct {
	Code string
	Name string
}

// countryOptions lists the billing countries. Placeholder until
// internal/validate provides the full list.
func countryOptions() []Option {
	return []Option{
		{"AU", "Australia"}, {"AT", "Austria"}, {"BE", "Belgium"}, {"BR", "Brazil"},
		{"CA", "Canada"}, {"CH", "Switzerland"}, {"DE", "Germany"}, {"DK", "Denmark"},
		{"ES", "Spain"}, {"FI", "Finland"}, {"FR", "France"}, {"GB", "United Kingdom"},
		{"IE", "Ireland"}, {"IN", "India"}, {"IT", "Italy"}, {"JP", "Japan"},
		{"MX", "Mexico"}, {"NL", "Netherlands"}, {"NO", "Norway"}, {"NZ", "New Zealand"},
		{"PL", "Poland"}, {"PT", "Portugal"}, {"SE", "Sweden"}, {"SG", "Singapore"},
		{"US", "United States"},
	}
}

// usStateOptions lists US states with ISO 3166-2 codes ("US-CA").
func usStateOptions() []Option {
	return prefixed("US", []Option{
		{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
		{"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"},
		{"DC", "District of Columbia"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
		{"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"},
		{"KS", "Kansas"}, {"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"},
		{"MD", "Maryland"}, {"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"},
		{"MS", "Mississippi"}, {"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"},
		{"NV", "Nevada"}, {"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"},
		{"NY", "New York"}, {"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"},
		{"OK", "Oklahoma"}, {"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"},
		{"SC", "South Carolina"}, {"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"},
		{"UT", "Utah"}, {"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"},
		{"WV", "West Virginia"}, {"WI", "Wisconsin"}, {"WY", "Wyoming"},
	})
}

// caProvinceOptions lists Canadian provinces and territories ("CA-ON").
func caProvinceOptions() []Option {
	return prefixed("CA", []Option{
		{"AB", "Alberta"}, {"BC", "British Columbia"}, {"MB", "Manitoba"},
		{"NB", "New Brunswick"}, {"NL", "Newfoundland and Labrador"},
		{"NS", "Nova Scotia"}, {"NT", "Northwest Territories"}, {"NU", "Nunavut"},
		{"ON", "Ontario"}, {"PE", "Prince Edward Island"}, {"QC", "Quebec"},
		{"SK", "Saskatchewan"}, {"YT", "Yukon"},
	})
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
