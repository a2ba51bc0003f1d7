package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// Writing a response body: writeJSON through encoding/json for most
// bodies, writeBody for the bytes the hand-written encoders append
// (customerjson.go, on the primitives of jsontext.go).

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

// bodyBuf is a pooled body buffer (a pointer, so that Put does not
// allocate).
type bodyBuf struct{ b []byte }

var bodyPool = sync.Pool{New: func() any { return &bodyBuf{b: make([]byte, 0, 1024)} }}
