package httpapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/secretscan"
)

// Headers of a GitHub secret-scanning report (§B.5).
const (
	hdrKeyID     = "Github-Public-Key-Identifier"
	hdrSignature = "Github-Public-Key-Signature"
)

var errInvalidSignatureBody = errorBody{"InvalidSignature", "Invalid signature."}

// secretScanning is POST /v1/integrations/github/secret-scanning (§B.5):
// verify the report's signature over the raw body, then revoke every live
// token it names. The route exists only with Config.SecretScanKeys.
func (s *Server) secretScanning(w http.ResponseWriter, r *http.Request) error {
	keyID, sig := r.Header.Get(hdrKeyID), r.Header.Get(hdrSignature)
	var missing []gatehouse.FieldError
	for _, h := range []struct{ name, val string }{{"github-public-key-identifier", keyID}, {"github-public-key-signature", sig}} {
		if h.val == "" {
			missing = append(missing, gatehouse.FieldError{Type: "missing", Loc: []any{"header", h.name}, Msg: "Field required", Input: nil})
		}
	}
	if len(missing) > 0 {
		return gatehouse.InvalidSchema(missing...)
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	switch err := s.scanKeys.Verify(keyID, sig, body); {
	case errors.Is(err, secretscan.ErrKeyNotFound):
		writeJSON(w, http.StatusBadRequest, errorBody{"PublicKeyNotFound", "Public key with key_identifier " + keyID + " not found."})
		return nil
	case err != nil:
		writeJSON(w, http.StatusForbidden, errInvalidSignatureBody)
		return nil
	}
	if len(body) == 0 {
		return gatehouse.InvalidSchema(gatehouse.FieldError{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: nil})
	}
	if fe := checkJSON(body); fe != nil {
		return gatehouse.InvalidSchema(*fe)
	}
	reports, errs := secretscan.ParseReports(body)
	if len(errs) > 0 {
		return gatehouse.InvalidSchema(errs...)
	}
	results, err := s.revoker.Revoke(r.Context(), reports)
	if err != nil {
		return fmt.Errorf("secret scanning: %w", err)
	}
	writeJSON(w, http.StatusOK, results)
	return nil
}
