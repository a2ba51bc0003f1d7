package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/secretscan"
)

func mustECDSA(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("ecdsa.GenerateKey: %v", err)
	}
	return k
}

// mustScanKeys builds a keys document as GitHub publishes it, with one key.
func mustScanKeys(t testing.TB, id string, pub *ecdsa.PublicKey) *secretscan.Keys {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatalf("MarshalPKIXPublicKey: %v", err)
	}
	doc, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{{
		"key_identifier": id, "key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), "is_current": true}}})
	k, err := secretscan.ParseKeys(doc)
	if err != nil {
		t.Fatalf("ParseKeys: %v", err)
	}
	return k
}

// sign is the base64 ASN.1 ECDSA signature of body.
func sign(t testing.TB, k *ecdsa.PrivateKey, body string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
	if err != nil {
		t.Fatalf("SignASN1: %v", err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// scan posts a secret-scanning report signed by key k1 of the fixture.
func (e *env) scan(body string) *responseT {
	e.t.Helper()
	w := e.do("POST", secretScanPattern, "", body, hdrKeyID, "k1", hdrSignature, sign(e.t, e.scanPriv, body))
	return &responseT{w.Code, w.Body.String(), w.Header()}
}

// responseT is the part of a response the tests look at.
type responseT struct {
	code   int
	body   string
	header http.Header
}

func TestSecretScanning(t *testing.T) {
	for name, dsn := range backends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testSecretScanning(t, newEnvDSN(t, dsn(t)))
		})
	}
}

func testSecretScanning(t *testing.T, e *env) {
	victim := e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	other := e.mustSession("B", `{"customer_id":"{b1}"}`)["token"].(string)
	leakedOAT := e.mustToken(e.orgB, nil, nil)
	body := `[{"token":"` + victim + `","type":"GATEHOUSE_CUSTOMER_SESSION_TOKEN","url":"https://github.com/x/y","source":"content"},
		{"token":"` + tamper(other) + `","type":"gatehouse_customer_session_token","source":"content"},
		{"token":"` + leakedOAT + `","type":"gatehouse_organization_access_token","url":null,"source":"commit"},
		{"token":"` + other + `","type":"gatehouse_organization_access_token","source":"content"}]`
	res := e.scan(body)
	if res.code != 200 {
		t.Fatalf("signed report: %d %s, want 200", res.code, res.body)
	}
	var got []map[string]string
	if err := json.Unmarshal([]byte(res.body), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"true_positive", "false_positive", "true_positive", "false_positive"}
	for i, g := range got {
		if i >= len(want) || g["label"] != want[i] {
			t.Errorf("result %d = %v, want label %s (all: %s)", i, g, want[i], res.body)
		}
	}
	if len(got) != 4 || got[0]["token_type"] != "gatehouse_customer_session_token" || got[0]["token_raw"] != victim {
		t.Errorf("results %s: want 4 in order, types lower-cased", res.body)
	}
	e.tok["victim"], e.tok["other"], e.tok["leaked"] = victim, other, leakedOAT
	checkReason(t, e, "/v1/customer-portal/customers/me", "victim", "revoked")
	checkReason(t, e, "/v1/customers/", "leaked", "revoked")
	if w := e.do("GET", "/v1/customer-portal/customers/me", "other", ""); w.Code != 200 {
		t.Errorf("session reported with the wrong type was revoked: %d", w.Code)
	}
	id := mustSessionID(t, e, victim)
	w := e.do("GET", "/v1/customer-sessions/"+id, "A", "")
	checkJSONBody(t, w.Body.Bytes(), `{"revoked_reason":"leaked"}`)
	if res := e.scan(body); !strings.Contains(res.body, `"label":"false_positive"`) || strings.Contains(res.body, "true_positive") {
		t.Errorf("second report of the same tokens: %s, want only false positives", res.body)
	}
}

func TestSecretScanningRejects(t *testing.T) {
	e := newEnv(t)
	victim := e.mustSession("A", `{"customer_id":"{a1}"}`)["token"].(string)
	body := `[{"token":"` + victim + `","type":"gatehouse_customer_session_token","source":"content"}]`
	good := sign(t, e.scanPriv, body)
	stranger := sign(t, mustECDSA(t), body)
	cases := []struct {
		name, body string
		hdr        []string
		code       int
		want       string
	}{
		{"no headers", body, nil, 422, `{"error":"RequestValidationError","detail":[{"type":"missing","loc":["header","github-public-key-identifier"]},{"type":"missing","loc":["header","github-public-key-signature"]}]}`},
		{"no signature", body, []string{hdrKeyID, "k1"}, 422, `{"detail":[{"loc":["header","github-public-key-signature"]}]}`},
		{"unknown key", body, []string{hdrKeyID, "k9", hdrSignature, good}, 400, `{"error":"PublicKeyNotFound","detail":"Public key with key_identifier k9 not found."}`},
		{"other key's signature", body, []string{hdrKeyID, "k1", hdrSignature, stranger}, 403, `{"error":"InvalidSignature","detail":"Invalid signature."}`},
		{"not base64", body, []string{hdrKeyID, "k1", hdrSignature, "!!!"}, 403, `{"error":"InvalidSignature","detail":"Invalid signature."}`},
		{"body changed after signing", body + " ", []string{hdrKeyID, "k1", hdrSignature, good}, 403, `{"error":"InvalidSignature"}`},
		{"bad type", `[{"token":"x","type":"polar_x","source":"s"}]`, []string{hdrKeyID, "k1", hdrSignature, sign(t, e.scanPriv, `[{"token":"x","type":"polar_x","source":"s"}]`)}, 422, `{"error":"RequestValidationError","detail":[{"type":"enum","loc":["body",0,"type"]}]}`},
		{"not JSON", `[{`, []string{hdrKeyID, "k1", hdrSignature, sign(t, e.scanPriv, `[{`)}, 422, `{"detail":[{"type":"json_invalid"}]}`},
		{"object", `{}`, []string{hdrKeyID, "k1", hdrSignature, sign(t, e.scanPriv, `{}`)}, 422, `{"detail":[{"type":"list_type"}]}`},
	}
	for _, c := range cases {
		w := e.do("POST", secretScanPattern, "", c.body, c.hdr...)
		if w.Code != c.code {
			t.Errorf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.code)
			continue
		}
		checkJSONBody(t, w.Body.Bytes(), c.want)
	}
	e.tok["victim"] = victim
	if w := e.do("GET", "/v1/customer-portal/customers/me", "victim", ""); w.Code != 200 {
		t.Errorf("rejected reports revoked the session: %d", w.Code)
	}

	// Without keys the route does not exist.
	e.srv = e.newServer(func(c *Config) { c.SecretScanKeys = nil })
	for _, m := range []string{"POST", "GET"} {
		w := e.do(m, secretScanPattern, "", body, hdrKeyID, "k1", hdrSignature, good)
		if w.Code != 404 || w.Body.String() != `{"detail":"Not Found"}` {
			t.Errorf("%s without keys: %d %s, want 404 Not Found", m, w.Code, w.Body)
		}
	}
}
