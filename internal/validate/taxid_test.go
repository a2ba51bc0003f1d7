package validate

import (
	"encoding/json"
	"strings"
	"testing"
)

// validEUVAT are real VAT numbers published online (company registers,
// invoices and web sites), as collected in python-stdnum's test suite, in
// the spellings people type them.
const validEUVAT = `
ATU 142 43 102
ATU 15159209
ATU 28560205
ATU 34172105
ATU 40698107
ATU 46276408
ATU 49362201
ATU 54299806
ATU 54300000
ATU 56377717
ATU13585627
ATU46080404
ATU61195628
BE (0)468.561.072
BE 0202.239.951
BE 0220.764.971
BE 0402 918 402
BE 0407.139.583
BE 0462423150
BE 0897290877
BE 444.503.092
BE0428759497
BE413562567
BE697449992
BG 103873594
BG 124 551 319
BG 131202360
BG 175074752
BG 200950556
BG7111042925
BG7523169263
BG7542011030
BG8032056031
Bg 200442771
CY 10246672X
CY 10263870R
CY- 10277198H
CY-10008489 A
CY-10259033P
CY00632993 F
CZ 25123891
CZ 60 72 77 72
CZ 640229/4448
CZ 640903926
CZ 654123789
CZ 682127228
CZ 6956220612
CZ 736028/5163
CZ00023205
CZ6011270177
CZ7652046248
DE - 113866163
DE 118619592
DE 181 207 708
DE 221.304.969
DE 811 363 057
DE119263782
DE136308783
DK 10 50 32 80
DK 2566 2202
DK-20 04 52 72
DK10150817
DK: 21599336
EE 100 931 558
EE 100594102
EE101256753
ES - Q0818001J
ES 54362315K
ES A-28184661
ES B-58378431
ES F13005293
ES J99216582
ES Q-2818015-F
ES R9600075G
ES W4003922D
ES X-5253868-R
ES Y5277343F
ES Z5277343K
ES-x-2482300w
ESA78109592
EL 039868210
EL 094064321
EL 94051189
EL 998386804
EL-082857563
EL: 094279805
El 800 179 925
FI 02459042
FI 0982651-1
FI 20774740
FI 2094606-3
FI-214 95 540
FR 04409414364
FR 114 248 728 36
FR 61 954 506 077
FR 2143 2146 546
FR K 7399859412
FR01712030113
Fr 40 303 265 045
FR16000063601
FR96000110899
HU -12509403
HU 10672101
HU-12892312
HU11377304
IE 0005306C
IE 632 3420 C
IE 6433435F
IE 8223200u
IE6433435IH
IE6433435OA
IE8D79739I
IE9Y71814N
IT - 01404480202
IT 0 0 6 1 8 2 8 0 4 9 9
IT 00118439991
IT00743110157
IT: 02331250163
LT 100001354118
LT 119511515
LT 235449811
LT-100000979812
LT290068995116
LU 10059929
LU 150 274 42
LU.248.70.640
LU: 2294 4200
LV 4000 3521 600
LV 40003189718
LV 90000528023
LV-42103048183
MT 1039-6417
MT 1167-9112
MT 17025737
NL 001241 643 B01
NL 806753742B01
NL 8225.69.759 b01
NL-8197.38.116.B.01
NL001162938B28
NL00449544B01
NL4495445B01
NL68357370B01
PL 5211355116
PL 584-030-44-72
PL 645-000-67-50
PL 777 26 68 285
PL5261025421
PT 500 019 720
PT 500135.495
PT 502448911
PT-505 856 468
RO 11358544
RO 1630615123457
RO 1822964
RO 241 30 20
RO 573768
RO-23867797
Ro 15071875
SE 202 100-5000 01
SE 556.383.740.901
SE-5562245190-01
SE556043606401
SI 26808498
SI 3609 7152
SI-89036999
SK 1078449064
SK 202 274 96 19
SK 2020 237 945
SK2022193459
`

// invalidEUVAT are the same kind of numbers with a mangled check digit,
// bad characters, a bad component or a wrong length.
const invalidEUVAT = `
ATU 143 43 102
ATU 15169209
ATU46080904
ATU61191628
BE 0406.139.583
BE 0793 013 186
BE 456.973.432
BE697449982
BG 1037735942
BG 131 172 009
BG 147147471
BG 200940556
CY 10246672F
CY-10009489 A
CY-10257074Y
CY00632893 F
CZ 25557481
CZ 48207726
CZ 640913926
CZ 8058018314
DE 125014855
DE 246 495 415
DE 813 91 38 75
DE - 266297673
DK 11 96 56 58
DK 2565 2202
DK-27996592
DK10159817
EE 100 941 558
EE 100525487
EE 101586639
EE101256754
ES 54362415K
ES K-2814015-F
ES-x-2322300w
Es-a48951310
EL 094013834
EL 094068733
EL094501140
EL: 094269805
FR 04409414264
FR 21 326 565 603
FR K 7399859312
FR L 7399859412
IE 4731823H
IE 632 3421 C
IE 5339273F
IE8D79729I
LV 40003189715
LV 90000528022
LV-10103241337
LV-42103048181
SK 1078449164
SK 302 274 96 19
SK 2030 237 945
SK 2020457679
AT1 142 43 102
ATU 1515B209
BE 02A2.239.951
BG 10X8735941
CY-102590Z3P
DE 246X595 415
DE 011125440
IE 4550C59S
IE 069385V8
NL 001241643801
NL 009122746B00
NL B06753742B01
NL 82X569759b01
SK A078449064
SK 012 274 96 19
SK 2010 237 945
CY-12259033P
CZ 95123891
IT 00687129980
LT 100001354
LT 100001509922
ATU 151592092
CY-1225903322
ES B-583784312
FR000076090
NL006866304B021
SE 55643359201
SE 5567003255201
`

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
