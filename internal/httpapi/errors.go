package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// errorBody is the contract's business-error envelope.
type errorBody struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

// detailBody is the framework's bare 404/405 envelope.
type detailBody struct {
	Detail string `json:"detail"`
}

// validationBody is a 422 envelope.
type validationBody struct {
	Error  string                 `json:"error"`
	Detail []gatehouse.FieldError `json:"detail"`
}

// oauthBody is an RFC 6750 error; Reason is Gatehouse's addition to
// invalid_token (why the token failed).
type oauthBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Reason           string `json:"reason,omitempty"`
}

const (
	invalidTokenDesc = "The access token provided is expired, revoked, malformed, or invalid for other reasons."
	scopeDesc        = "The request requires higher privileges than provided by the access token."
)

var (
	errInternalBody    = errorBody{"InternalServerError", "Internal server error."}
	errUnavailableBody = errorBody{"ServiceUnavailable", "The service is temporarily unavailable."}
	errTooLargeBody    = errorBody{"RequestBodyTooLarge", "Request body exceeded the maximum allowed size of 10485760 bytes."}
)

// writeError is the one place errors become responses. A 5xx body never
// carries the cause; the log line does.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *authError
	if errors.As(err, &ae) {
		writeAuthError(w, ae)
		return
	}
	var tl *http.MaxBytesError
	if errors.As(err, &tl) {
		writeJSON(w, http.StatusRequestEntityTooLarge, errTooLargeBody)
		return
	}
	var e *gatehouse.Error
	if !errors.As(err, &e) {
		e = &gatehouse.Error{Code: gatehouse.EInternal}
	}
	switch e.Code {
	case gatehouse.EInvalid, gatehouse.EConflict:
		if len(e.Fields) > 0 {
			writeJSON(w, http.StatusUnprocessableEntity, validationEnvelope(e))
			return
		}
		if e.Code == gatehouse.EConflict {
			writeJSON(w, http.StatusConflict, errorBody{"Conflict", e.Message})
			return
		}
		writeJSON(w, http.StatusUnprocessableEntity, validationBody{"PolarRequestValidationError", []gatehouse.FieldError{}})
	case gatehouse.ENotFound:
		writeJSON(w, http.StatusNotFound, errorBody{"ResourceNotFound", "Not found"})
	case gatehouse.EUnauthorized:
		writeAuthError(w, errUnauthorized)
	case gatehouse.EForbidden:
		writeJSON(w, http.StatusForbidden, errorBody{"NotPermitted", e.Message})
	case gatehouse.ERateLimited:
		secs := int((e.RetryAfter + 999_999_999) / 1_000_000_000)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		w.WriteHeader(http.StatusTooManyRequests)
	case gatehouse.EUnavailable:
		s.log.LogAttrs(r.Context(), slog.LevelError, "dependency unavailable",
			slog.String("method", r.Method), slog.String("route", r.Pattern), slog.String("error", err.Error()))
		writeJSON(w, http.StatusServiceUnavailable, errUnavailableBody)
	default:
		s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("method", r.Method), slog.String("route", r.Pattern), slog.String("error", err.Error()))
		writeJSON(w, http.StatusInternalServerError, errInternalBody)
	}
}

// validationEnvelope picks the 422 envelope: schema errors keep their ctx,
// service errors have exactly type, loc, msg and input (§1.5).
func validationEnvelope(e *gatehouse.Error) validationBody {
	if e.Schema {
		return validationBody{"RequestValidationError", e.Fields}
	}
	fields := make([]gatehouse.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Ctx = nil
		fields[i] = f
	}
	return validationBody{"PolarRequestValidationError", fields}
}

func writeAuthError(w http.ResponseWriter, e *authError) {
	h := w.Header()
	switch {
	case e.status == http.StatusForbidden:
		scopes := make([]string, len(e.scopes))
		for i, sc := range e.scopes {
			scopes[i] = string(sc)
		}
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("WWW-Authenticate", `Bearer realm="polar", scope="`+strings.Join(scopes, " ")+
			`", error="insufficient_scope", error_description="`+scopeDesc+`"`)
		writeJSON(w, http.StatusForbidden, oauthBody{Error: "insufficient_scope", ErrorDescription: scopeDesc})
	case e.reason != "":
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
		h.Set("WWW-Authenticate", `Bearer realm="polar", error="invalid_token", error_description="`+invalidTokenDesc+`"`)
		writeJSON(w, http.StatusUnauthorized, oauthBody{Error: "invalid_token", ErrorDescription: invalidTokenDesc, Reason: e.reason})
	default:
		h.Set("WWW-Authenticate", `Bearer realm="polar"`)
		writeJSON(w, http.StatusUnauthorized, errorBody{"Unauthorized", "Unauthorized"})
	}
}
