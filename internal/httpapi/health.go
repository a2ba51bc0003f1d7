package httpapi

import (
	"net/http"
)

type statusBody struct {
	Status string `json:"status"`
}

// healthz is GET /healthz: 200 while the process lives.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, statusBody{"ok"})
	return nil
}

// readyz is GET /readyz: 200 when the database answers, else 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.Ping(r.Context()); err != nil {
		s.log.WarnContext(r.Context(), "readiness check failed", "error", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, errUnavailableBody)
		return nil
	}
	writeJSON(w, http.StatusOK, statusBody{"ok"})
	return nil
}
