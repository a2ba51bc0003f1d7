package httpapi

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
)

// deleteCustomer is DELETE /v1/customers/{id} and its external-ID twin
// (§C.5): a soft delete, anonymized with anonymize=true.
func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	var errs queryErrors
	id, fe := pathCustomerID(r)
	errs.add(fe)
	anonymize := errs.boolParam(queryOf(r), "anonymize")
	if len(errs) > 0 {
		return gatehouse.InvalidSchema(errs...)
	}
	c, err := s.findCustomer(r, id)
	if err != nil {
		return err
	}
	if _, err := s.customers.DeleteCustomer(r.Context(), c, anonymize != nil && *anonymize); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
