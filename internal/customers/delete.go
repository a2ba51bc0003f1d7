package customers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"time"

	"github.com/gatehouse/gatehouse"
)

// anonymizedDomain is where anonymized customers' emails point (§C.5).
const anonymizedDomain = "@anonymized.polar.sh"

// DeleteCustomer implements gatehouse.CustomerService (§C.5): a soft delete
// that frees the external ID (kept in metadata __external_id) and, with
// anonymize, hashes personal data.
func (s *Service) DeleteCustomer(ctx context.Context, cur *gatehouse.Customer, anonymize bool) (*gatehouse.Customer, error) {
	c := *cur
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
	if anonymize {
		anonymizeCustomer(&c, now)
	}
	c.DeletedAt = &now
	c.ModifiedAt = &now
	if err := s.save(ctx, &c, gatehouse.EventCustomerDeleted); err != nil {
		return nil, err
	}
	return &c, nil
}

// anonymizeCustomer replaces c's personal data with hashes, as Polar does:
// sha256hex(created_at isoformat + value). A business (with a tax ID)
// keeps its name. c.Metadata must be c's own map.
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
// UTC datetime: microseconds only when non-zero, always six digits. It is
// not a wire format (that is apitype.Time) but the text Polar hashes and
// stores when it anonymizes, so that Gatehouse's hashes equal Polar's.
func pythonISO(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 != 0 {
		return t.Format("2006-01-02T15:04:05.000000") + "+00:00"
	}
	return t.Format("2006-01-02T15:04:05") + "+00:00"
}
