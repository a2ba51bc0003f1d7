package validate

import (
	"encoding/json"
	"strings"
	"testing"
)

func euCountry(s string) string {
	c := strings.ToUpper(s[:2])
	if c == "EL" {
		return "GR"
	}
	return c
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

func TestTaxIDEUVATValid(t *testing.T) {
	loc := []any{"body", "tax_id"}
	for _, raw := range lines(validEUVAT) {
		country := euCountry(raw)
		got, err := TaxID(loc, country, raw)
		if err != nil {
			t.Errorf("TaxID(%q, %q) = error %s, want valid", country, raw, err.Msg)
			continue
		}
		prefix := country
		if country == "GR" {
			prefix = "EL"
		}
		if got.Format != "eu_vat" || !strings.HasPrefix(got.Number, prefix) {
			t.Errorf("TaxID(%q, %q) = %v, want eu_vat with prefix %s", country, raw, got, prefix)
		}
		// Without the prefix, and again from the normalized form.
		bare := strings.TrimSpace(raw[2:])
		for _, again := range []string{bare, got.Number} {
			if got2, err := TaxID(loc, country, again); err != nil || got2 != got {
				t.Errorf("TaxID(%q, %q) = %v, %v; want %v", country, again, got2, err, got)
			}
		}
	}
}

func TestTaxIDEUVATInvalid(t *testing.T) {
	for _, raw := range lines(invalidEUVAT) {
		country := euCountry(raw)
		if got, err := TaxID([]any{"body", "tax_id"}, country, raw); err == nil {
			t.Errorf("TaxID(%q, %q) = %v, want invalid", country, raw, got)
		}
	}
}

func TestTaxIDExact(t *testing.T) {
	tests := []struct{ country, raw, number, format string }{
		{"FR", "FR61954506077", "FR61954506077", "eu_vat"},
		{"fr", "61 954 506 077", "FR61954506077", "eu_vat"},
		{"GR", "GR 094259216", "EL094259216", "eu_vat"},
		{"GR", "EL 94051189", "EL094051189", "eu_vat"},
		{"BE", "BE 444.503.092", "BE0444503092", "eu_vat"},
		{"NL", "NL4495445B01", "NL004495445B01", "eu_vat"},
		{"AT", "atu13585627", "ATU13585627", "eu_vat"},
		{"HR", "HR33392005961", "HR33392005961", "eu_vat"},
		{"HR", "33392005961", "HR33392005961", "eu_vat"},
		{"RO", "RO 21996566", "RO21996566", "eu_vat"},
		{"GB", "GB 980 7806 84", "GB980780684", "gb_vat"},
		{"GB", "100190874", "GB100190874", "gb_vat"},
		{"GB", "GB 242338087388", "GB242338087388", "gb_vat"},
		{"GB", "GD100", "GBGD100", "gb_vat"},
		{"GB", "HA888856782", "GBHA888856782", "gb_vat"},
		{"US", "91-1144442", "911144442", "us_ein"},
		{"US", "980780684", "980780684", "us_ein"}, // EINs carry no check digit: format and campus prefix only
		{"CA", "12302 6635", "123026635", "ca_bn"},
		{"CA", "123026635RC0001", "123026635RC0001", "ca_bn"},
		{"CA", "12302 6635 RT 0001", "123026635RT0001", "ca_gst_hst"},
		{"AU", "51 824 753 556", "51824753556", "au_abn"},
		{"AU", "46 0 0 2722 3 49", "46002722349", "au_abn"},
		{"CH", "CHE-100.155.212", "CHE100155212", "ch_uid"},
		{"CH", "100.155.212", "CHE100155212", "ch_uid"},
		{"CH", "CHE-100.155.212 MWST", "CHE100155212MWST", "ch_vat"},
		{"CH", "CHE-107.787.577 IVA", "CHE107787577IVA", "ch_vat"},
		{"CH", "CHE-110.576.236 TVA", "CHE110576236TVA", "ch_vat"},
	}
	for _, tt := range tests {
		got, err := TaxID([]any{"body", "tax_id"}, tt.country, tt.raw)
		if err != nil || got.Number != tt.number || got.Format != tt.format {
			t.Errorf("TaxID(%q, %q) = %v, %v; want [%s %s]", tt.country, tt.raw, got, err, tt.number, tt.format)
		}
	}
}

func TestTaxIDOtherCountries(t *testing.T) {
	valid := map[string][]string{
		"GB": {"GB 002 4257 28", "GB 100 1950 75", "GB 232177091", "GB 311 405 025", "GB 586 367 295",
			"GB 698 550 577", "GB 818243334", "GB 975 8664 50", "GB260311213", "GB653599494", "GB974053902"},
		"AU": {"11574456001", "12 123 552 732", "14 007 145 637", "46 003 855 561",
			"84 002 705 224", "88 775 098 848", "98 116 306 453", "99870624871"},
		"CA": {"000089987RC1818", "100007780RC0001", "123222911RC0001", "700706898RC0001",
			"852093749RC0001", "892220393RC0002", "899927438RC0001", "123026635"},
		"CH": {"CHE-1 76.814.97 5 MWST", "CHE-105.048.256 MWST", "CHE-108.113.335 MwST",
			"CHE-116.046.681 TPV", "CHE-400.352.783 MWST", "CHE-113.690.319"},
		"US": {"01-0000000", "95-1234567", "91-1144442", "20-4523432"}, // format and prefix only
	}
	for country, nums := range valid {
		for _, raw := range nums {
			got, err := TaxID(nil, country, raw)
			if err != nil {
				t.Errorf("TaxID(%q, %q) = error, want valid", country, raw)
				continue
			}
			if again, err := TaxID(nil, country, got.Number); err != nil || again != got {
				t.Errorf("TaxID(%q, %q) = %v, %v; want it to re-validate to %v", country, got.Number, again, err, got)
			}
		}
	}
	invalid := map[string][]string{
		"GB": {"802311781", "9807806842", "9807806B4", "GD8888567B2", "001234567", "ZZ100", "GD600",
			"HA201", "GD888860018", "HA888820107", "HA888856700", "GB 980 7806 85"},
		"AU": {"51 824 753 557", "5182475355", "01824753556", "ABN51824753556"},
		"CA": {"123026636", "12302 6635 AA 0001", "12302 6635 RC OOO1", "1230266350"},
		"CH": {"CHE-100.155.213", "CHE-107.787.577 ZZZ", "ZZZ-107.787.577 MWST", "CHE-100.155.21"},
		"US": {"00-1234567", "07-1234567", "91-114444", "91-11444421", "9A-1144442"},
		"DE": {"FR61954506077", "", "   ", "DE 136695976\x00"},
		"FR": {"DE136695976", "FR 61 954 506 07 7 ü"},
		"JP": {"1234567890123"},
		"RU": {"7707083893"},
		"":   {"FR61954506077"},
	}
	for country, nums := range invalid {
		for _, raw := range nums {
			if got, err := TaxID(nil, country, raw); err == nil {
				t.Errorf("TaxID(%q, %q) = %v, want invalid", country, raw, got)
			}
		}
	}
}

func TestTaxIDErrorShape(t *testing.T) {
	loc := []any{"body", "tax_id"}
	_, err := TaxID(loc, "FR", " FR 61 954 506 078 ")
	got, _ := json.Marshal(err)
	want := `{"type":"invalid","loc":["body","tax_id"],"msg":"Invalid tax ID.","input":" FR 61 954 506 078 "}`
	if string(got) != want {
		t.Errorf("error = %s, want %s", got, want)
	}
	loc[1] = "changed"
	if err.Loc[1] != "tax_id" {
		t.Errorf("error loc aliases the caller's slice")
	}
}
