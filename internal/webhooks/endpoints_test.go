package webhooks

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

func TestCheckURL(t *testing.T) {
	strict, open := NewEndpoints(nil, nil, false), NewEndpoints(nil, nil, true)
	tests := []struct {
		in       string
		want     string // normalized URL; "" when refused
		wantType string // the error's type when refused
		wantMsg  string // a substring of its message
		open     string // the answer with allowPrivate ("" = same as want)
	}{
		{in: "  https://Example.COM  ", want: "https://example.com/"},
		{in: "https://hooks.example.com:8443/p?q=1", want: "https://hooks.example.com:8443/p?q=1"},
		{in: "https://93.184.216.34/h", want: "https://93.184.216.34/h"},
		{in: "https://[2606:4700::1111]/h", want: "https://[2606:4700::1111]/h"},
		{in: "http://example.com/", wantType: "url_scheme", wantMsg: "'https'", open: "http://example.com/"},
		{in: "ftp://example.com/", wantType: "url_scheme", wantMsg: "'https'", open: "-"},
		{in: "example.com", wantType: "url_parsing", wantMsg: "relative URL without a base", open: "-"},
		{in: "", wantType: "url_parsing", wantMsg: "input is empty", open: "-"},
		{in: "https://", wantType: "url_parsing", wantMsg: "empty host", open: "-"},
		{in: "https://example.com/" + strings.Repeat("a", 2083), wantType: "url_too_long", open: "-"},
		{in: "https://my_host.example.com/", wantType: "value_error", wantMsg: "characters not allowed", open: "-"},
		{in: "https://xn--zz.example.com/", wantType: "url_parsing", wantMsg: "invalid international domain name", open: "-"},
		{in: "https://ab--cd.example.com/", wantType: "value_error", wantMsg: "characters not allowed", open: "-"},
		{in: "https://localhost/", wantType: "value_error", wantMsg: errPrivate, open: "https://localhost/"},
		{in: "https://LOCALHOST:9000/x", wantType: "value_error", wantMsg: errPrivate, open: "https://localhost:9000/x"},
		{in: "https://api.localhost/", wantType: "value_error", wantMsg: errPrivate, open: "https://api.localhost/"},
		{in: "https://0.0.0.0/", wantType: "value_error", wantMsg: errPrivate, open: "https://0.0.0.0/"},
		{in: "https://[::1]/", wantType: "value_error", wantMsg: errPrivate, open: "https://[::1]/"},
		{in: "https://127.0.0.1/", wantType: "value_error", wantMsg: errPrivate, open: "https://127.0.0.1/"},
		{in: "https://2130706433/", wantType: "value_error", wantMsg: errPrivate, open: "https://127.0.0.1/"},
		{in: "https://0x7f.1/", wantType: "value_error", wantMsg: errPrivate, open: "https://127.0.0.1/"},
		{in: "https://10.1.2.3/", wantType: "value_error", wantMsg: errPrivate, open: "https://10.1.2.3/"},
		{in: "https://169.254.169.254/latest", wantType: "value_error", wantMsg: errPrivate, open: "https://169.254.169.254/latest"},
		{in: "https://[::ffff:127.0.0.1]/", wantType: "value_error", wantMsg: errPrivate, open: "https://[::ffff:127.0.0.1]/"},
		{in: "https://[fe80::1]/", wantType: "value_error", wantMsg: errPrivate, open: "https://[fe80::1]/"},
		{in: "https://100.64.0.1/", wantType: "value_error", wantMsg: errPrivate, open: "https://100.64.0.1/"},
	}
	for _, tt := range tests {
		got, fe := strict.checkURL(tt.in)
		switch {
		case tt.want != "" && (fe != nil || got != tt.want):
			t.Errorf("checkURL(%.60q) = %q, %v; want %q", tt.in, got, fe, tt.want)
		case tt.want == "" && (fe == nil || fe.Type != tt.wantType || !strings.Contains(fe.Msg, tt.wantMsg)):
			t.Errorf("checkURL(%.60q) = %q, %+v; want a %s error with %q", tt.in, got, fe, tt.wantType, tt.wantMsg)
		case fe != nil && (len(fe.Loc) != 2 || fe.Loc[0] != "body" || fe.Loc[1] != "url"):
			t.Errorf("checkURL(%.60q): loc %v, want [body url]", tt.in, fe.Loc)
		}
		want := tt.open
		if want == "" {
			want = tt.want
		}
		if got, fe := open.checkURL(tt.in); want == "-" && fe == nil || want != "-" && got != want {
			t.Errorf("allowPrivate checkURL(%.60q) = %q, %v; want %q", tt.in, got, fe, want)
		}
	}
}

func TestCheckFormatAndEvents(t *testing.T) {
	for _, f := range []string{"raw", "discord", "slack"} {
		if fe := checkFormat(f); fe != nil {
			t.Errorf("checkFormat(%q) = %v", f, fe)
		}
	}
	if fe := checkFormat("json"); fe == nil || fe.Type != "enum" || fe.Msg != "Input should be 'raw', 'discord' or 'slack'" {
		t.Errorf("checkFormat(json) = %+v", fe)
	}
	if errs := checkEvents(gatehouse.WebhookEventTypes); len(errs) != 0 {
		t.Errorf("checkEvents(every type) = %v", errs)
	}
	errs := checkEvents([]string{"order.created", "customer.exploded", "customer.created", ""})
	if len(errs) != 2 || errs[0].Loc[2] != 1 || errs[1].Loc[2] != 3 || !strings.HasSuffix(errs[0].Msg, "or 'customer_session.revoked'") {
		t.Errorf("checkEvents = %+v, want errors at 1 and 3", errs)
	}
}
