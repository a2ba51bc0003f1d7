package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/validate"
)

const (
	defaultLimit = 10
	maxLimit     = 100 // larger limits are silently capped (§1.6)
	maxPage      = 1_000_000_000
	sortEnumMsg  = "'created_at', '-created_at', 'email', '-email', 'name' or '-name'"
)

// queryErrors collects the schema errors of a query string.
type queryErrors []gatehouse.FieldError

func (q *queryErrors) add(fe *gatehouse.FieldError) bool {
	if fe == nil {
		return false
	}
	*q = append(*q, *fe)
	return true
}

// last returns the last value of key, as Starlette does for scalar params.
func last(q url.Values, key string) (string, bool) {
	vs := q[key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// positiveInt parses an int > 0 query parameter.
// nul reports every key and value of q that holds a NUL character, which
// no parameter may.
func (errs *queryErrors) nul(q url.Values) {
	for key, vs := range q {
		for _, v := range append([]string{key}, vs...) {
			errs.add(validate.NUL([]any{"query", key}, v))
		}
	}
}

func (errs *queryErrors) positiveInt(q url.Values, key string, def int) int {
	s, ok := last(q, key)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		errs.add(&gatehouse.FieldError{Type: "int_parsing", Loc: []any{"query", key},
			Msg: "Input should be a valid integer, unable to parse string as an integer", Input: s})
		return def
	}
	if n <= 0 {
		errs.add(&gatehouse.FieldError{Type: "greater_than", Loc: []any{"query", key},
			Msg: "Input should be greater than 0", Input: s, Ctx: map[string]any{"gt": 0}})
		return def
	}
	return n
}

// boolParam parses a boolean query parameter the way pydantic does.
func (errs *queryErrors) boolParam(q url.Values, key string) *bool {
	s, ok := last(q, key)
	if !ok {
		return nil
	}
	var v bool
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on", "t", "y":
		v = true
	case "false", "0", "no", "off", "f", "n":
		v = false
	default:
		errs.add(&gatehouse.FieldError{Type: "bool_parsing", Loc: []any{"query", key},
			Msg: "Input should be a valid boolean, unable to interpret input", Input: s})
		return nil
	}
	return &v
}

// organizationIDs parses the repeatable organization_id filter.
func (errs *queryErrors) organizationIDs(q url.Values) []string {
	var ids []string
	for i, s := range q["organization_id"] {
		id, fe := validate.UUID4([]any{"query", "organization_id", i}, s)
		if !errs.add(fe) {
			ids = append(ids, id)
		}
	}
	return ids
}

// parseCustomerFilter reads the list query of §C.1 and §1.6.
func parseCustomerFilter(q url.Values) (gatehouse.CustomerFilter, error) {
	var errs queryErrors
	f := gatehouse.CustomerFilter{OrganizationIDs: errs.organizationIDs(q)}
	f.Email, _ = last(q, "email")
	f.Query, _ = last(q, "query")
	f.Active = errs.boolParam(q, "active")
	f.Page.Page = min(errs.positiveInt(q, "page", 1), maxPage)
	f.Page.Limit = min(errs.positiveInt(q, "limit", defaultLimit), maxLimit)
	for i, s := range q["sorting"] {
		field, desc := strings.CutPrefix(s, "-")
		if !slices.Contains([]string{gatehouse.SortCreatedAt, gatehouse.SortEmail, gatehouse.SortName}, field) {
			errs.add(&gatehouse.FieldError{Type: "enum", Loc: []any{"query", "sorting", i},
				Msg: "Input should be " + sortEnumMsg, Input: s, Ctx: map[string]any{"expected": sortEnumMsg}})
			continue
		}
		f.Sorting = append(f.Sorting, gatehouse.SortField{Field: field, Desc: desc})
	}
	if len(f.Sorting) == 0 {
		f.Sorting = []gatehouse.SortField{{Field: gatehouse.SortCreatedAt, Desc: true}}
	}
	for key, vs := range q {
		if k, ok := strings.CutPrefix(key, "metadata["); ok && strings.HasSuffix(k, "]") {
			if f.Metadata == nil {
				f.Metadata = map[string][]string{}
			}
			f.Metadata[k[:len(k)-1]] = append(f.Metadata[k[:len(k)-1]], vs...)
		}
	}
	errs.nul(q)
	if len(errs) > 0 {
		return f, gatehouse.InvalidSchema(errs...)
	}
	return f, nil
}

// queryOf returns r's query with invalid UTF-8 replaced, as Starlette
// decodes it.
func queryOf(r *http.Request) url.Values {
	q := r.URL.Query()
	for k, vs := range q {
		for i, v := range vs {
			vs[i] = strings.ToValidUTF8(v, "\uFFFD")
		}
		if !utf8.ValidString(k) {
			delete(q, k)
			q[strings.ToValidUTF8(k, "\uFFFD")] = vs
		}
	}
	return q
}

// maxPageOf is ceil(total/limit): the last page number, 0 when empty.
func maxPageOf(total, limit int) int {
	return (total + limit - 1) / limit
}
