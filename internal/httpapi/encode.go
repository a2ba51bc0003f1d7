package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON encodes v compactly, without HTML escaping (as FastAPI does),
// into a buffer and writes it with its length. An encoding failure is a 500.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		buf.WriteString(`{"error":"InternalServerError","detail":"Internal server error."}` + "\n")
		status = http.StatusInternalServerError
	}
	writeBody(w, status, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// writeBody writes the JSON body b with its type and length.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	if rec, ok := w.(*recorder); ok { // the slice lives in the recorder: no allocation
		rec.length[0] = strconv.Itoa(len(b))
		h["Content-Length"] = rec.length[:]
	} else {
		h.Set("Content-Length", strconv.Itoa(len(b)))
	}
	w.WriteHeader(status)
	w.Write(b)
}

// customerJSON is c in the contract's Customer shape (§D.1): every key
// present, billing_name falling back to name, a Gravatar avatar.
func customerJSON(c *gatehouse.Customer) apitype.Customer {
	typ := customerType(c)
	return apitype.Customer{
		ID:             c.ID,
		CreatedAt:      apitype.NewTime(c.CreatedAt),
		ModifiedAt:     apitype.NewTimePtr(c.ModifiedAt),
		Metadata:       publicMetadata(c.Metadata),
		ExternalID:     c.ExternalID,
		Email:          c.Email,
		EmailVerified:  c.EmailVerified,
		Type:           typ,
		Name:           c.Name,
		BillingName:    c.EffectiveBillingName(),
		BillingAddress: addressJSON(c.BillingAddress),
		TaxID:          taxIDJSON(c.TaxID),
		Locale:         c.Locale,
		OrganizationID: c.OrganizationID,
		AvatarURL:      avatarURL(c.Email),
	}
}

// portalCustomerJSON is c as the customer portal shows it (§D.6).
func portalCustomerJSON(c *gatehouse.Customer) apitype.PortalCustomer {
	typ := customerType(c)
	return apitype.PortalCustomer{
		CreatedAt:      apitype.NewTime(c.CreatedAt),
		ModifiedAt:     apitype.NewTimePtr(c.ModifiedAt),
		ID:             c.ID,
		Email:          c.Email,
		EmailVerified:  c.EmailVerified,
		Name:           c.Name,
		BillingName:    c.EffectiveBillingName(),
		BillingAddress: addressJSON(c.BillingAddress),
		TaxID:          taxIDJSON(c.TaxID),
		OAuthAccounts:  map[string]apitype.OAuthAccount{},
		Type:           &typ,
		Locale:         c.Locale,
	}
}

// customerType is c's type, individual when unset.
func customerType(c *gatehouse.Customer) string {
	if c.Type == "" {
		return gatehouse.CustomerIndividual
	}
	return c.Type
}

// publicMetadata returns m as a wire map, never nil ({} when empty).
func publicMetadata(m gatehouse.Metadata) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func addressJSON(a *gatehouse.Address) *apitype.Address {
	if a == nil {
		return nil
	}
	v := apitype.Address(*a)
	return &v
}

func taxIDJSON(t *gatehouse.TaxID) *[2]string {
	if t == nil {
		return nil
	}
	return &[2]string{t.Number, t.Format}
}

// avatarURL is the Gravatar URL of email (sha256 of the lower-cased
// address), or nil without an email.
func avatarURL(email *string) *string {
	if email == nil {
		return nil
	}
	sum := sha256.Sum256([]byte(strings.ToLower(*email)))
	u := "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?d=404"
	return &u
}
