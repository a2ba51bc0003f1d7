package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/validate"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// listCustomers is GET /v1/customers/ (§C.1).
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	f, err := parseCustomerFilter(queryOf(r))
	if err != nil {
		return err
	}
	cs, total, err := s.store.ListCustomers(r.Context(), orgOf(r), f)
	if err != nil {
		return fmt.Errorf("list customers: %w", err)
	}
	writeCustomerList(w, s.bodies, cs, total, maxPageOf(total, f.Page.Limit))
	return nil
}

// createCustomer is POST /v1/customers/ (§C.2).
func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	in, err := parseCustomerCreate(f)
	if err != nil {
		return err
	}
	c, err := s.customers.CreateCustomer(r.Context(), orgOf(r), *in)
	if err != nil {
		return err
	}
	writeCustomer(w, http.StatusCreated, c)
	return nil
}

// pathCustomerID validates the {id} path parameter as a UUID v4; it returns
// "" and no error on the external-ID routes.
func pathCustomerID(r *http.Request) (string, *gatehouse.FieldError) {
	if r.PathValue("external_id") != "" {
		return "", validate.NUL([]any{"path", "external_id"}, r.PathValue("external_id"))
	}
	return validate.UUID4([]any{"path", "id"}, r.PathValue("id"))
}

// findCustomer loads the customer of the path: by {id}, already validated,
// or by {external_id}. Another organization's customer is not found.
func (s *Server) findCustomer(r *http.Request, id string) (*gatehouse.Customer, error) {
	org := orgOf(r)
	if ext := r.PathValue("external_id"); ext != "" {
		c, err := s.store.CustomerByExternalID(r.Context(), org, ext)
		if err != nil {
			return nil, fmt.Errorf("find customer by external id: %w", err)
		}
		return c, nil
	}
	c, err := s.store.Customer(r.Context(), org, id)
	if err != nil {
		return nil, fmt.Errorf("find customer %s: %w", id, err)
	}
	return c, nil
}

// pathCustomer validates the path and loads its customer.
func (s *Server) pathCustomer(r *http.Request) (*gatehouse.Customer, error) {
	id, fe := pathCustomerID(r)
	if fe != nil {
		return nil, gatehouse.InvalidSchema(*fe)
	}
	return s.findCustomer(r, id)
}

// getCustomer is GET /v1/customers/{id} and its external-ID twin (§C.3).
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathCustomer(r)
	if err != nil {
		return err
	}
	writeCustomer(w, http.StatusOK, c)
	return nil
}

// customerState is GET /v1/customers/{id}/state and its twin (§C.6).
func (s *Server) customerState(w http.ResponseWriter, r *http.Request) error {
	c, err := s.pathCustomer(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wire.CustomerState(c))
	return nil
}

// exportHeader is the header row of the customer CSV export (§C.7).
var exportHeader = strings.Split("ID,External ID,Created At,Email,Name,Tax ID,Billing Address Line 1,"+
	"Billing Address Line 2,Billing Address City,Billing Address State,Billing Address Zip,"+
	"Billing Address Country,Metadata", ",")

// exportCustomers is GET /v1/customers/export (§C.7): every live customer
// as CSV, oldest first. It is rendered into a buffer so that a failure
// midway is still a clean error response.
func (s *Server) exportCustomers(w http.ResponseWriter, r *http.Request) error {
	q := queryOf(r)
	var errs queryErrors
	ids := errs.organizationIDs(q)
	if len(errs) > 0 {
		return gatehouse.InvalidSchema(errs...)
	}
	org := orgOf(r)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(exportHeader)
	if len(ids) == 0 || slices.Contains(ids, org) {
		err := s.store.EachCustomer(r.Context(), org, func(c *gatehouse.Customer) error {
			return cw.Write(exportRow(c))
		})
		if err != nil {
			return fmt.Errorf("export customers: %w", err)
		}
	}
	cw.Flush()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="polar-customers.csv"`)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

func exportRow(c *gatehouse.Customer) []string {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	row := make([]string, 0, len(exportHeader))
	row = append(row, c.ID, str(c.ExternalID), apitype.FormatTime(c.CreatedAt), str(c.Email), str(c.Name))
	if c.TaxID != nil {
		row = append(row, c.TaxID.Number)
	} else {
		row = append(row, "")
	}
	a := c.BillingAddress
	if a == nil {
		a = &gatehouse.Address{}
	}
	row = append(row, str(a.Line1), str(a.Line2), str(a.City), str(a.State), str(a.PostalCode), a.Country)
	meta := ""
	if m := wire.Metadata(c.Metadata); len(m) > 0 {
		b, _ := json.Marshal(m)
		meta = string(b)
	}
	return append(row, meta)
}
