package validate

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestMetadataValid(t *testing.T) {
	md, errs := Metadata(nil, json.RawMessage(`{"user_id":"ABC","seats":3,"ratio":1.50,"big":1e3,"on":true,"k":"x","k":"y"}`))
	if errs != nil {
		t.Fatalf("Metadata errors: %+v", errs)
	}
	want := `{"big":1e3,"k":"y","on":true,"ratio":1.50,"seats":3,"user_id":"ABC"}`
	if got := mustJSON(t, md); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if _, ok := md["seats"].(json.Number); !ok {
		t.Errorf("seats is %T, want json.Number", md["seats"])
	}
	many := map[string]int{}
	for i := 0; i < 50; i++ {
		many[fmt.Sprintf("k%d", i)] = i
	}
	if md, errs := Metadata(nil, json.RawMessage(mustJSON(t, many))); errs != nil || len(md) != 50 {
		t.Errorf("50 keys: %d keys, %+v", len(md), errs)
	}
	if md, errs := Metadata(nil, json.RawMessage(`{}`)); errs != nil || md == nil || len(md) != 0 {
		t.Errorf("{} = %v, %+v; want an empty map", md, errs)
	}
}

func TestMetadataErrors(t *testing.T) {
	p := []any{"body", "individual", "metadata"}
	tests := []struct{ in, want string }{
		{`{"k":""}`, `[{"type":"string_too_short","loc":["body","individual","metadata","k","constrained-str"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}},` +
			`{"type":"int_parsing","loc":["body","individual","metadata","k","int"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":""},` +
			`{"type":"float_parsing","loc":["body","individual","metadata","k","float"],"msg":"Input should be a valid number, unable to parse string as a number","input":""},` +
			`{"type":"bool_parsing","loc":["body","individual","metadata","k","bool"],"msg":"Input should be a valid boolean, unable to interpret input","input":""}]`},
		{`{"k":null}`, `[{"type":"string_type","loc":["body","individual","metadata","k","constrained-str"],"msg":"Input should be a valid string","input":null},` +
			`{"type":"int_type","loc":["body","individual","metadata","k","int"],"msg":"Input should be a valid integer","input":null},` +
			`{"type":"float_type","loc":["body","individual","metadata","k","float"],"msg":"Input should be a valid number","input":null},` +
			`{"type":"bool_type","loc":["body","individual","metadata","k","bool"],"msg":"Input should be a valid boolean","input":null}]`},
		{`{"` + strings.Repeat("k", 41) + `":1}`, `[{"type":"string_too_long","loc":["body","individual","metadata","` + strings.Repeat("k", 41) + `","[key]"],"msg":"String should have at most 40 characters","input":"` + strings.Repeat("k", 41) + `","ctx":{"max_length":40}}]`},
		{`{"":1}`, `[{"type":"string_too_short","loc":["body","individual","metadata","","[key]"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}}]`},
		{`{"k":"a\u0000b"}`, `[{"type":"value_error","loc":["body","individual","metadata","k"],"msg":"Value error, This value contains invalid characters","input":"a\u0000b","ctx":{"error":{}}}]`},
		{`{"a\u0000":1}`, `[{"type":"value_error","loc":["body","individual","metadata","a\u0000","[key]"],"msg":"Value error, This value contains invalid characters","input":"a\u0000","ctx":{"error":{}}}]`},
		{`[1]`, `[{"type":"dict_type","loc":["body","individual","metadata"],"msg":"Input should be a valid dictionary","input":[1]}]`},
	}
	for _, tt := range tests {
		_, errs := Metadata(p, json.RawMessage(tt.in))
		if got := mustJSON(t, errs); got != tt.want {
			t.Errorf("Metadata(%s)\n got  %s\n want %s", tt.in, got, tt.want)
		}
	}
	_, errs := Metadata(p, json.RawMessage(`{"k":{"a":1},"l":[],"m":"`+strings.Repeat("x", 501)+`"}`))
	if len(errs) != 12 || errs[8].Type != "string_too_long" || errs[8].Ctx["max_length"] != 500 || errs[9].Type != "int_parsing" {
		t.Errorf("object/array/long values: %s", mustJSON(t, errs))
	}
	many := map[string]int{}
	for i := 0; i < 51; i++ {
		many[fmt.Sprintf("k%02d", i)] = i
	}
	_, errs = Metadata(p, json.RawMessage(mustJSON(t, many)))
	if len(errs) != 1 || errs[0].Type != "too_long" || errs[0].Msg != "Dictionary should have at most 50 items after validation, not 51" ||
		mustJSON(t, errs[0].Ctx) != `{"actual_length":51,"field_type":"Dictionary","max_length":50}` {
		t.Errorf("51 keys: %s", mustJSON(t, errs))
	}
}

func TestAddress(t *testing.T) {
	loc := []any{"body", "billing_address"}
	a, errs := Address(loc, json.RawMessage(`{"line1":"  1 Main St ","line2":"","postal_code":"94104","city":"San Francisco","state":"ca","country":"us","extra":1}`))
	if errs != nil {
		t.Fatalf("errors: %+v", errs)
	}
	want := `{"line1":"1 Main St","line2":null,"postal_code":"94104","city":"San Francisco","state":"US-CA","country":"US"}`
	if got := mustJSON(t, a); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for in, want := range map[string]string{
		`{"country":"CA","state":"QC"}`:      `{"line1":null,"line2":null,"postal_code":null,"city":null,"state":"CA-QC","country":"CA"}`,
		`{"country":"US","state":"US-DC"}`:   `{"line1":null,"line2":null,"postal_code":null,"city":null,"state":"US-DC","country":"US"}`,
		`{"country":"FR","state":" Île "}`:   `{"line1":null,"line2":null,"postal_code":null,"city":null,"state":"Île","country":"FR"}`,
		`{"country":"US","state":null}`:      `{"line1":null,"line2":null,"postal_code":null,"city":null,"state":null,"country":"US"}`,
		`{"country":"de","city":"   "}`:      `{"line1":null,"line2":null,"postal_code":null,"city":null,"state":null,"country":"DE"}`,
		`{"country":"GB","postal_code":"x"}`: `{"line1":null,"line2":null,"postal_code":"x","city":null,"state":null,"country":"GB"}`,
	} {
		a, errs := Address(loc, json.RawMessage(in))
		if errs != nil || mustJSON(t, a) != want {
			t.Errorf("Address(%s) = %s, %+v; want %s", in, mustJSON(t, a), errs, want)
		}
	}
	if a, errs := Address(loc, json.RawMessage(`null`)); a != nil || errs != nil {
		t.Errorf("Address(null) = %v, %v; want nil, nil", a, errs)
	}
	tests := []struct{ in, want string }{
		{`{"line1":"x"}`, `[{"type":"missing","loc":["body","billing_address","country"],"msg":"Field required","input":{"line1":"x"}}]`},
		{`"US"`, `[{"type":"model_attributes_type","loc":["body","billing_address"],"msg":"Input should be a valid dictionary or object to extract fields from","input":"US"}]`},
		{`{"country":"US","state":"ZZ"}`, `[{"type":"value_error","loc":["body","billing_address"],"msg":"Value error, Invalid US state","input":{"country":"US","state":"ZZ"},"ctx":{"error":{}}}]`},
		{`{"country":"CA","state":"CA"}`, `[{"type":"value_error","loc":["body","billing_address"],"msg":"Value error, Invalid CA subdivision","input":{"country":"CA","state":"CA"},"ctx":{"error":{}}}]`},
		{`{"country":"US","city":5}`, `[{"type":"string_type","loc":["body","billing_address","city"],"msg":"Input should be a valid string","input":5}]`},
		{`{"country":"US","line1":"a\u0000"}`, `[{"type":"value_error","loc":["body","billing_address","line1"],"msg":"Value error, This value contains invalid characters","input":"a\u0000","ctx":{"error":{}}}]`},
	}
	for _, tt := range tests {
		_, errs := Address(loc, json.RawMessage(tt.in))
		if got := mustJSON(t, errs); got != tt.want {
			t.Errorf("Address(%s)\n got  %s\n want %s", tt.in, got, tt.want)
		}
	}
	for _, c := range []string{"RU", "cu", "IR", "KP", "SY", "XX", "USA", ""} {
		_, errs := Address(loc, json.RawMessage(`{"country":"`+c+`"}`))
		if len(errs) != 1 || errs[0].Type != "enum" || errs[0].Loc[2] != "country" ||
			!strings.HasPrefix(errs[0].Msg, "Input should be 'AD', 'AE', 'AF'") || !strings.HasSuffix(errs[0].Msg, "'ZM' or 'ZW'") ||
			strings.Contains(errs[0].Msg, "'RU'") || errs[0].Ctx["expected"] != strings.TrimPrefix(errs[0].Msg, "Input should be ") {
			t.Errorf("country %q: %s", c, mustJSON(t, errs))
		}
	}
}

func TestOptionLists(t *testing.T) {
	cs := Countries()
	if len(cs) != 244 || cs[0].Code != "AF" || cs[1].Code != "AX" {
		t.Errorf("Countries() = %d entries starting %v, want 244 starting AF, AX", len(cs), cs[:2])
	}
	for _, c := range cs {
		if c.Code == "RU" || c.Code == "CU" {
			t.Errorf("embargoed %s listed", c.Code)
		}
	}
	if us := USStates(); len(us) != 51 || us[0].Code != "US-AL" {
		t.Errorf("USStates() = %d entries, want 51", len(us))
	}
	if ca := CAProvinces(); len(ca) != 13 || ca[0].Code != "CA-AB" || ca[12].Code != "CA-YT" {
		t.Errorf("CAProvinces() = %v", ca)
	}
	USStates()[0].Code = "changed"
	if USStates()[0].Code != "US-AL" {
		t.Error("USStates returns shared storage")
	}
}
