package validate

import (
	"encoding/json"
	"testing"
)

func TestMetadataHugeNumbers(t *testing.T) {
	loc := []any{"body", "metadata"}
	for _, raw := range []string{`{"k":1e999999}`, `{"k":-1e400}`, `{"k":123456789012345678901234567890}`, `{"k":9223372036854775808}`} {
		if _, errs := Metadata(loc, json.RawMessage(raw)); len(errs) != 4 {
			t.Errorf("Metadata(%s) = %d errors, want the 4 union errors", raw, len(errs))
		}
	}
	for _, raw := range []string{`{"k":9223372036854775807}`, `{"k":-9223372036854775808}`, `{"k":1.7e308}`, `{"k":1e-400}`} {
		if _, errs := Metadata(loc, json.RawMessage(raw)); len(errs) != 0 {
			t.Errorf("Metadata(%s) rejected: %v", raw, errs)
		}
	}
}
