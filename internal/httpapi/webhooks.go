package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// The webhook-endpoint routes (contract §1.1). Their rules are the
// WebhookEndpointService's; these handlers check the JSON types of a body,
// call it and encode the answer.

// webhookEndpointJSON is e as the API shows it.
func webhookEndpointJSON(e *gatehouse.WebhookEndpoint) apitype.WebhookEndpoint {
	return apitype.WebhookEndpoint{
		CreatedAt:      apitype.NewTime(e.CreatedAt),
		ModifiedAt:     apitype.NewTimePtr(e.ModifiedAt),
		ID:             e.ID,
		URL:            e.URL,
		Name:           e.Name,
		Format:         e.Format,
		Secret:         e.Secret,
		OrganizationID: e.OrganizationID,
		Events:         append([]string{}, e.Events...),
		Enabled:        e.Enabled,
	}
}

// listWebhookEndpoints is GET /v1/webhooks/endpoints: newest first. An
// organization_id filter naming another organization matches nothing.
func (s *Server) listWebhookEndpoints(w http.ResponseWriter, r *http.Request) error {
	q := queryOf(r)
	var errs queryErrors
	ids := errs.organizationIDs(q)
	var p gatehouse.Page
	p.Page = min(errs.positiveInt(q, "page", 1), maxPage)
	p.Limit = min(errs.positiveInt(q, "limit", defaultLimit), maxLimit)
	if len(errs) > 0 {
		return gatehouse.InvalidSchema(errs...)
	}
	out := apitype.List[apitype.WebhookEndpoint]{Items: []apitype.WebhookEndpoint{}}
	org := orgOf(r)
	if len(ids) > 0 && !slices.Contains(ids, org) {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	es, total, err := s.webhooks.List(r.Context(), org, p)
	if err != nil {
		return err
	}
	for _, e := range es {
		out.Items = append(out.Items, webhookEndpointJSON(e))
	}
	out.Pagination = apitype.Pagination{TotalCount: total, MaxPage: maxPageOf(total, p.Limit)}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createWebhookEndpoint is POST /v1/webhooks/endpoints: 201 and the new
// endpoint, its secret included.
func (s *Server) createWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	f, err := readForm(w, r)
	if err != nil {
		return err
	}
	in, err := parseWebhookEndpointCreate(f)
	if err != nil {
		return err
	}
	e, err := s.webhooks.Create(r.Context(), orgOf(r), *in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, webhookEndpointJSON(e))
	return nil
}

// parseWebhookEndpointCreate checks the JSON types of a
// WebhookEndpointCreate (and the hidden secret field); the values are the
// service's to judge.
func parseWebhookEndpointCreate(f *form) (*gatehouse.WebhookEndpointCreate, error) {
	f.withPrefix("body")
	in := &gatehouse.WebhookEndpointCreate{}
	for _, field := range []string{"url", "format", "events"} {
		if _, ok := f.fields[field]; !ok {
			f.errs = append(f.errs, gatehouse.FieldError{Type: "missing", Loc: f.loc(field), Msg: "Field required", Input: inputOf(f.whole)})
		}
	}
	if v, p := f.webhookURL("url"); p == set {
		in.URL = v
	} else if p == null {
		f.errs = append(f.errs, urlTypeError(f.loc("url")))
	}
	if s, p := f.str("name"); p == set {
		in.Name = &s
	}
	if v, p := f.webhookFormat("format"); p == set {
		in.Format = v
	} else if p == null {
		f.errs = append(f.errs, formatError(f.loc("format"), nil))
	}
	if v, p := f.webhookEvents("events"); p == set {
		in.Events = v
	} else if p == null {
		f.errs = append(f.errs, listTypeError(f.loc("events"), nil))
	}
	if s, p := f.str("secret"); p == set {
		in.Secret = &s
	}
	if s, p := f.uuid("organization_id"); p == set {
		in.OrganizationID = &s
	}
	return in, f.err()
}

// parseWebhookEndpointUpdate checks a WebhookEndpointUpdate: every field
// optional, null the same as absent.
func parseWebhookEndpointUpdate(f *form) (*gatehouse.WebhookEndpointPatch, error) {
	f.withPrefix("body")
	p := &gatehouse.WebhookEndpointPatch{}
	if v, pr := f.webhookURL("url"); pr == set {
		p.URL = &v
	}
	if s, pr := f.str("name"); pr == set {
		p.Name = &s
	}
	if v, pr := f.webhookFormat("format"); pr == set {
		p.Format = &v
	}
	if v, pr := f.webhookEvents("events"); pr == set {
		p.Events = v
	}
	if raw, pr := f.raw("enabled"); pr == set {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			f.errs = append(f.errs, gatehouse.FieldError{Type: "bool_type", Loc: f.loc("enabled"),
				Msg: "Input should be a valid boolean", Input: inputOf(raw)})
		} else {
			p.Enabled = &b
		}
	}
	return p, f.err()
}

// webhookURL reads a URL field's string (the service parses it).
func (f *form) webhookURL(field string) (string, presence) {
	raw, p := f.raw(field)
	if p != set {
		return "", p
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.errs = append(f.errs, urlTypeError(f.loc(field)))
		f.errs[len(f.errs)-1].Input = inputOf(raw)
		return "", bad
	}
	return s, set
}

func urlTypeError(loc []any) gatehouse.FieldError {
	return gatehouse.FieldError{Type: "url_type", Loc: loc, Msg: "URL input should be a string or URL", Input: nil}
}

// webhookFormat reads a format field's string; a non-string is the enum
// error pydantic gives.
func (f *form) webhookFormat(field string) (string, presence) {
	raw, p := f.raw(field)
	if p != set {
		return "", p
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		f.errs = append(f.errs, formatError(f.loc(field), inputOf(raw)))
		return "", bad
	}
	return s, set
}

const webhookFormatEnum = "'raw', 'discord' or 'slack'"

func formatError(loc []any, in any) gatehouse.FieldError {
	return gatehouse.FieldError{Type: "enum", Loc: loc, Msg: "Input should be " + webhookFormatEnum, Input: in,
		Ctx: map[string]any{"expected": webhookFormatEnum}}
}

// webhookEvents reads a list of strings; a non-string element is the enum
// error pydantic gives.
func (f *form) webhookEvents(field string) ([]string, presence) {
	raw, p := f.raw(field)
	if p != set {
		return nil, p
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		f.errs = append(f.errs, listTypeError(f.loc(field), inputOf(raw)))
		return nil, bad
	}
	out := make([]string, 0, len(items))
	ok := true
	for i, it := range items {
		var s string
		if it[0] != '"' || json.Unmarshal(it, &s) != nil {
			f.errs = append(f.errs, gatehouse.FieldError{Type: "enum", Loc: f.loc(field, i), Input: inputOf(it),
				Msg: "Input should be " + eventTypeEnum, Ctx: map[string]any{"expected": eventTypeEnum}})
			ok = false
			continue
		}
		out = append(out, s)
	}
	if !ok {
		return nil, bad
	}
	return out, set
}

func listTypeError(loc []any, in any) gatehouse.FieldError {
	return gatehouse.FieldError{Type: "list_type", Loc: loc, Msg: "Input should be a valid list", Input: in}
}

// eventTypeEnum is pydantic's rendering of the WebhookEventType choices.
var eventTypeEnum = func() string {
	ts := gatehouse.WebhookEventTypes
	return "'" + strings.Join(ts[:len(ts)-1], "', '") + "' or '" + ts[len(ts)-1] + "'"
}()

// pathWebhookID validates the {id} path parameter as a UUID v4.
func pathWebhookID(r *http.Request) (string, *gatehouse.FieldError) {
	return validate.UUID4([]any{"path", "id"}, r.PathValue("id"))
}

// getWebhookEndpoint is GET /v1/webhooks/endpoints/{id}.
func (s *Server) getWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, fe := pathWebhookID(r)
	if fe != nil {
		return gatehouse.InvalidSchema(*fe)
	}
	e, err := s.webhooks.Get(r.Context(), orgOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookEndpointJSON(e))
	return nil
}

// updateWebhookEndpoint is PATCH /v1/webhooks/endpoints/{id}: schema
// errors of path and body together, then 404, then the rules.
func (s *Server) updateWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, pathErr := pathWebhookID(r)
	f, err := readForm(w, r)
	var p *gatehouse.WebhookEndpointPatch
	if err == nil {
		p, err = parseWebhookEndpointUpdate(f)
	}
	if err := withPathError(pathErr, err); err != nil {
		return err
	}
	e, err := s.webhooks.Update(r.Context(), orgOf(r), id, *p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookEndpointJSON(e))
	return nil
}

// resetWebhookEndpointSecret is PATCH /v1/webhooks/endpoints/{id}/secret:
// a new secret; the old one signs beside it for a while.
func (s *Server) resetWebhookEndpointSecret(w http.ResponseWriter, r *http.Request) error {
	id, fe := pathWebhookID(r)
	if fe != nil {
		return gatehouse.InvalidSchema(*fe)
	}
	e, err := s.webhooks.RotateSecret(r.Context(), orgOf(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookEndpointJSON(e))
	return nil
}

// deleteWebhookEndpoint is DELETE /v1/webhooks/endpoints/{id}: 204, a soft
// delete.
func (s *Server) deleteWebhookEndpoint(w http.ResponseWriter, r *http.Request) error {
	id, fe := pathWebhookID(r)
	if fe != nil {
		return gatehouse.InvalidSchema(*fe)
	}
	if err := s.webhooks.Delete(r.Context(), orgOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
