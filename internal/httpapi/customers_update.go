package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// parseCustomerPatch validates a CustomerUpdate (byID) or
// CustomerUpdateExternalID body; the latter ignores external_id and type.
// Only keys present in the JSON are applied, and null differs from absent
// (§C.4).
func parseCustomerPatch(f *form, byID bool) (*gatehouse.CustomerPatch, error) {
	f.withPrefix("body")
	p := &gatehouse.CustomerPatch{}
	if s, pr := f.str("email"); pr == set {
		if e, fe := validate.Email(f.loc("email"), s); !f.add(fe) {
			p.Email = &e
		}
	}
	if _, pr := f.raw("name"); pr == null || pr == set {
		p.NameSet, p.Name = true, f.name("name")
	}
	p.BillingChange = f.billingChange()
	switch v, pr := f.locale("locale"); pr {
	case null, set:
		p.LocaleSet, p.Locale = true, v
	}
	p.Metadata, _ = f.metadata("metadata", true)
	if byID {
		switch s, pr := f.str("external_id"); pr {
		case null:
			p.ExternalIDSet = true
		case set:
			p.ExternalIDSet, p.ExternalID, p.ExternalIDInput = true, validate.TrimOrNil(s), s
		}
		switch raw, pr := f.raw("type"); pr {
		case null:
			p.TypeSet = true
		case set:
			var s string
			if raw[0] != '"' || json.Unmarshal(raw, &s) != nil || s != gatehouse.CustomerIndividual && s != gatehouse.CustomerTeam {
				f.errs = append(f.errs, gatehouse.FieldError{Type: "enum", Loc: f.loc("type"),
					Msg: "Input should be 'individual' or 'team'", Input: inputOf(raw),
					Ctx: map[string]any{"expected": "'individual' or 'team'"}})
			} else {
				p.TypeSet, p.Type = true, &s
			}
		}
	}
	return p, f.err()
}

// updateCustomer is PATCH /v1/customers/{id} and its external-ID twin:
// schema errors of path and body together, then 404, then the business
// rules, then the save.
func (s *Server) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id, pathErr := pathCustomerID(r)
	f, err := readForm(w, r)
	var p *gatehouse.CustomerPatch
	if err == nil {
		p, err = parseCustomerPatch(f, r.PathValue("external_id") == "")
	}
	if err := withPathError(pathErr, err); err != nil {
		return err
	}
	c, err := s.findCustomer(r, id)
	if err != nil {
		return err
	}
	if c, err = s.customers.UpdateCustomer(r.Context(), c, *p); err != nil {
		return err
	}
	writeCustomer(w, http.StatusOK, c)
	return nil
}
