package openapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d content type %q, want 200 application/json", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if string(body) != string(Document()) {
		t.Errorf("served %d bytes, want the %d-byte document", len(body), len(Document()))
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("served body is not JSON: %v", err)
	}
}

func TestDocumentIsACopy(t *testing.T) {
	d := Document()
	d[0] = 'X'
	if Document()[0] != '{' {
		t.Error("changing Document's result changed the document")
	}
}
