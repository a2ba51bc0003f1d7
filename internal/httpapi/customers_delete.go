package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
)

// anonymizedDomain is where anonymized customers' emails point (§C.5).
const anonymizedDomain = "@anonymized.polar.sh"

// deleteCustomer is DELETE /v1/customers/{id} and its external-ID twin
// (§C.5): a soft delete that frees the external ID (kept in metadata
// __external_id) and, with anonymize=true, hashes personal data.
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
	now := s.clock()
	meta := maps.Clone(c.Metadata)
	if meta == nil {
		meta = gatehouse.Metadata{}
	}
	if c.ExternalID != nil {
		meta["__external_id"] = *c.ExternalID
		c.ExternalID = nil
	}
	c.Metadata = meta
	if anonymize != nil && *anonymize {
		anonymizeCustomer(c, now)
	}
	c.DeletedAt = &now
	c.ModifiedAt = &now
	if err := s.store.UpdateCustomer(r.Context(), c); err != nil {
		return fmt.Errorf("delete customer %s: %w", c.ID, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// anonymizeCustomer replaces c's personal data with hashes, as Polar does:
// sha256hex(created_at isoformat + value). A business (with a tax ID)
// keeps its name.
func anonymizeCustomer(c *gatehouse.Customer, now time.Time) {
	created := pythonISO(c.CreatedAt)
	hash := func(v *string) *string {
		if v == nil {
			return nil
		}
		sum := sha256.Sum256([]byte(created + *v))
		h := hex.EncodeToString(sum[:])
		return &h
	}
	if c.Email != nil {
		e := *hash(c.Email) + anonymizedDomain
		c.Email = &e
	}
	c.EmailVerified = false
	if c.TaxID == nil {
		c.Name = hash(c.Name)
	}
	c.BillingName = hash(c.BillingName)
	c.BillingAddress = nil
	c.Metadata["__anonymized_at"] = pythonISO(now)
}

// pythonISO formats t as Python's datetime.isoformat() does for an aware
// UTC datetime: microseconds only when non-zero, always six digits.
func pythonISO(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000") + "+00:00"
	}
	return t.Format("2006-01-02T15:04:05") + "+00:00"
}
