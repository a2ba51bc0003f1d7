// Package openapi holds Gatehouse's own OpenAPI 3.1 document, served at
// GET /openapi.json. The tools that hold the server to it live in the test
// support package openapitest, so the server binary carries only the
// document.
//
// The document is hand-maintained in openapi.json and embedded in the binary.
// It describes Gatehouse's API, including where it differs from Polar's:
// the gatehouse_oat_ / gatehouse_cst_ token prefixes, the reason key of 401
// invalid_token bodies, and the session-lifecycle endpoints. Every response
// key is listed as required because the server always emits every key.
//
// It imports only the standard library.
package openapi

import (
	"bytes"
	_ "embed"
	"net/http"
	"strconv"
)

//go:embed openapi.json
var document []byte

// Document returns a copy of the embedded OpenAPI document (JSON).
func Document() []byte { return bytes.Clone(document) }

// Handler returns an http.Handler that serves the document as
// application/json. It answers whatever method it is routed; the caller
// registers it for GET /openapi.json.
func Handler() http.Handler {
	length := strconv.Itoa(len(document))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", length)
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(document) //nolint:errcheck // a failed write means the client went away
		}
	})
}
