package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/internal/validate"
)

// webhookDeliveryJSON is d as the API shows it, with its event.
func webhookDeliveryJSON(d *gatehouse.WebhookDelivery) apitype.WebhookDelivery {
	out := apitype.WebhookDelivery{
		CreatedAt:  apitype.NewTime(d.CreatedAt),
		ModifiedAt: apitype.NewTimePtr(d.ModifiedAt),
		ID:         d.ID,
		Succeeded:  d.Succeeded,
		HTTPCode:   d.HTTPCode,
		Response:   d.Response,
	}
	if ev := d.Event; ev != nil {
		out.WebhookEvent = apitype.WebhookEvent{
			CreatedAt:    apitype.NewTime(ev.CreatedAt),
			ModifiedAt:   apitype.NewTimePtr(ev.ModifiedAt),
			ID:           ev.ID,
			LastHTTPCode: ev.LastHTTPCode,
			Succeeded:    ev.Succeeded,
			Skipped:      ev.Skipped,
			Payload:      ev.Payload,
			Type:         ev.Type,
			IsArchived:   ev.Archived(),
		}
	}
	return out
}

// httpCodeClasses are the values of http_code_class.
var httpCodeClasses = []string{"2xx", "3xx", "4xx", "5xx"}

const httpCodeClassEnum = "'2xx', '3xx', '4xx' or '5xx'"

// parseDeliveryFilter reads the query of GET /v1/webhooks/deliveries.
func parseDeliveryFilter(q url.Values) (gatehouse.WebhookDeliveryFilter, error) {
	var errs queryErrors
	var f gatehouse.WebhookDeliveryFilter
	for i, s := range q["endpoint_id"] {
		id, fe := validate.UUID4([]any{"query", "endpoint_id", i}, s)
		if !errs.add(fe) {
			f.EndpointIDs = append(f.EndpointIDs, id)
		}
	}
	f.Start = errs.awareTime(q, "start_timestamp")
	f.End = errs.awareTime(q, "end_timestamp")
	f.Succeeded = errs.boolParam(q, "succeeded")
	f.Query, _ = last(q, "query")
	if s, ok := last(q, "http_code_class"); ok {
		if !slices.Contains(httpCodeClasses, s) {
			errs.add(&gatehouse.FieldError{Type: "literal_error", Loc: []any{"query", "http_code_class"}, Input: s,
				Msg: "Input should be " + httpCodeClassEnum, Ctx: map[string]any{"expected": httpCodeClassEnum}})
		} else {
			f.HTTPCodeClass = s
		}
	}
	for i, s := range q["event_type"] {
		if !gatehouse.ValidWebhookEventType(s) {
			errs.add(&gatehouse.FieldError{Type: "enum", Loc: []any{"query", "event_type", i}, Input: s,
				Msg: "Input should be " + eventTypeEnum, Ctx: map[string]any{"expected": eventTypeEnum}})
			continue
		}
		f.EventTypes = append(f.EventTypes, s)
	}
	f.Page.Page = min(errs.positiveInt(q, "page", 1), maxPage)
	f.Page.Limit = min(errs.positiveInt(q, "limit", defaultLimit), maxLimit)
	errs.nul(q)
	if len(errs) > 0 {
		return f, gatehouse.InvalidSchema(errs...)
	}
	return f, nil
}

// awareTime parses a date-time query parameter that must carry its offset
// (pydantic's AwareDatetime): RFC 3339 with "T" or a space.
func (errs *queryErrors) awareTime(q url.Values, key string) *time.Time {
	s, ok := last(q, key)
	if !ok {
		return nil
	}
	v := strings.TrimSpace(s)
	if len(v) > 10 && v[10] == ' ' {
		v = v[:10] + "T" + v[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err == nil {
		t = t.UTC()
		return &t
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if _, err := time.Parse(layout, v); err == nil {
			errs.add(&gatehouse.FieldError{Type: "timezone_aware", Loc: []any{"query", key}, Input: s,
				Msg: "Input should have timezone info"})
			return nil
		}
	}
	errs.add(&gatehouse.FieldError{Type: "datetime_from_date_parsing", Loc: []any{"query", key}, Input: s,
		Msg: "Input should be a valid datetime or date, invalid character in year", Ctx: map[string]any{"error": "invalid character in year"}})
	return nil
}

// listWebhookDeliveries is GET /v1/webhooks/deliveries: newest first,
// each with its event.
func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	f, err := parseDeliveryFilter(queryOf(r))
	if err != nil {
		return err
	}
	ds, total, err := s.webhooks.Deliveries(r.Context(), orgOf(r), f)
	if err != nil {
		return err
	}
	out := apitype.List[apitype.WebhookDelivery]{Items: make([]apitype.WebhookDelivery, 0, len(ds)),
		Pagination: apitype.Pagination{TotalCount: total, MaxPage: maxPageOf(total, f.Page.Limit)}}
	for _, d := range ds {
		out.Items = append(out.Items, webhookDeliveryJSON(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// redeliverWebhookEvent is POST /v1/webhooks/events/{id}/redeliver: 202
// and the delivery happens in the background. The body is JSON null, as
// Polar's (FastAPI's answer for a handler returning None): both official
// SDKs parse the 202 as JSON and fail on an empty body (0.49 with
// "Unexpected Status or Content-Type", 1.0.1 with a SyntaxError).
func (s *Server) redeliverWebhookEvent(w http.ResponseWriter, r *http.Request) error {
	id, fe := pathWebhookID(r)
	if fe != nil {
		return gatehouse.InvalidSchema(*fe)
	}
	if err := s.webhooks.Redeliver(r.Context(), orgOf(r), id); err != nil {
		return err
	}
	writeBody(w, http.StatusAccepted, []byte("null"))
	return nil
}
