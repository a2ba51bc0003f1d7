package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mailtest"
)

// TestIDNEmailIsOneAddress checks that the Unicode and xn-- spellings of
// one internationalized address are one customer, as in Polar (pydantic's
// EmailStr stores email-validator's normalized form, the Unicode domain):
// the customer is answered in Unicode form, a second create in the other
// spelling or another case conflicts, and a login code asked for in
// either spelling reaches that customer.
func TestIDNEmailIsOneAddress(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newMailEnv(t, dsn(t), nil)
			e := m.env
			w := e.do("POST", "/v1/customers/", "A", `{"email":"müller@xn--bcher-kva.de"}`)
			if w.Code != 201 {
				t.Fatalf("create: %d %s", w.Code, w.Body)
			}
			checkJSONBody(t, w.Body.Bytes(), `{"email":"müller@bücher.de"}`)
			for _, spelling := range []string{"müller@bücher.de", "MÜLLER@BÜCHER.DE", "müller@XN--BCHER-KVA.DE"} {
				w := e.do("POST", "/v1/customers/", "A", `{"email":"`+spelling+`"}`)
				if w.Code != 422 || !strings.Contains(w.Body.String(), "A customer with this email address already exists.") {
					t.Errorf("create %s again: %d %s, want the email-taken 422", spelling, w.Code, w.Body)
				}
			}

			w = e.do("POST", "/v1/customer-portal/customer-session/request", "",
				`{"email":"MÜLLER@xn--bcher-kva.de","organization_id":"{orgA}"}`)
			if w.Code != 202 {
				t.Fatalf("request code: %d %s", w.Code, w.Body)
			}
			msg := m.smtp.WaitFor(t, func(r mailtest.Received) bool { return len(r.To) == 1 }, 10*time.Second)
			sub := codeRE.FindStringSubmatch(msg.Text)
			if sub == nil {
				t.Fatalf("no code in %q (to %v)", msg.Text, msg.To)
			}
			w = e.do("POST", "/v1/customer-portal/customer-session/authenticate", "", `{"code":"`+sub[1]+`"}`)
			if w.Code != 200 {
				t.Fatalf("authenticate: %d %s", w.Code, w.Body)
			}
			e.tok["idn"] = mustJSON(t, w.Body.Bytes())["token"].(string)
			w = e.do("GET", "/v1/customer-portal/customers/me", "idn", "")
			checkJSONBody(t, w.Body.Bytes(), `{"email":"müller@bücher.de"}`)
		})
	}
}
