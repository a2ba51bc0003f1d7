package secretscan_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/secretscan"
	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/sqlstore/sqlstoretest"
	"github.com/gatehouse/gatehouse/internal/storetest"
	"github.com/gatehouse/gatehouse/internal/token"
)

// mustKeys makes a key pair and the keys document GitHub would publish for it.
func mustKeys(t *testing.T, id string) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{{
		"key_identifier": id,
		"key":            string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"is_current":     true,
	}}})
	return priv, doc
}

func sign(t *testing.T, k *ecdsa.PrivateKey, body []byte) string {
	t.Helper()
	sum := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func TestVerify(t *testing.T) {
	priv, doc := mustKeys(t, "k1")
	other, _ := mustKeys(t, "k2")
	keys, err := secretscan.ParseKeys(doc)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`[{"token":"x","type":"gatehouse_customer_session_token","url":null,"source":"content"}]`)
	if err := keys.Verify("k1", sign(t, priv, body), body); err != nil {
		t.Errorf("valid signature rejected: %v", err)
	}
	for name, tc := range map[string]struct {
		id, sig string
		body    []byte
		want    error
	}{
		"unknown key":    {"k9", sign(t, priv, body), body, secretscan.ErrKeyNotFound},
		"other key":      {"k1", sign(t, other, body), body, secretscan.ErrBadSignature},
		"tampered body":  {"k1", sign(t, priv, body), append([]byte(" "), body...), secretscan.ErrBadSignature},
		"not base64":     {"k1", "%%%", body, secretscan.ErrBadSignature},
		"empty":          {"k1", "", body, secretscan.ErrBadSignature},
		"garbage base64": {"k1", base64.StdEncoding.EncodeToString([]byte("nope")), body, secretscan.ErrBadSignature},
	} {
		if err := keys.Verify(tc.id, tc.sig, tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
	for _, bad := range []string{``, `{}`, `{"public_keys":[]}`, `{"public_keys":[{"key_identifier":"a","key":"nope"}]}`} {
		if _, err := secretscan.ParseKeys([]byte(bad)); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

func TestParseReports(t *testing.T) {
	r, errs := secretscan.ParseReports([]byte(`[{"token":"a","type":"GATEHOUSE_Customer_Session_Token","url":"https://x","source":"content"}]`))
	if len(errs) != 0 || len(r) != 1 || r[0].Type != secretscan.TypeSessionToken {
		t.Errorf("ParseReports = %+v, %v", r, errs)
	}
	for _, bad := range []string{`{}`, `null`, `[{"token":"a","source":"s"}]`, `[{"token":1,"type":"gatehouse_customer_session_token","source":"s"}]`, `[{"token":"a","type":"polar_access_token","source":"s"}]`} {
		if _, errs := secretscan.ParseReports([]byte(bad)); len(errs) == 0 {
			t.Errorf("ParseReports(%s) gave no error", bad)
		}
	}
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	st := sqlstoretest.Open(t, storetest.SQLiteDSN(t), sqlstore.Options{})
	h := token.NewHasher("secret")
	now := time.Now().UTC().Truncate(time.Microsecond)
	org := &gatehouse.Organization{ID: gatehouse.NewID(), Name: "Acme", Slug: "acme", CreatedAt: now}
	mustNil(t, st.CreateOrganization(ctx, org))
	email := "jane@gmail.com"
	cu := &gatehouse.Customer{ID: gatehouse.NewID(), OrganizationID: org.ID, CreatedAt: now, Email: &email, Type: gatehouse.CustomerIndividual, Metadata: gatehouse.Metadata{}}
	mustNil(t, st.CreateCustomer(ctx, cu))
	stok := token.New(token.PrefixSession)
	sess := &gatehouse.Session{ID: gatehouse.NewID(), OrganizationID: org.ID, CustomerID: cu.ID, TokenHash: h.Hash(stok), CreatedAt: now, ExpiresAt: now.Add(time.Hour), Metadata: gatehouse.Metadata{}}
	mustNil(t, st.CreateSession(ctx, sess))
	otok := token.New(token.PrefixOrganization)
	at := &gatehouse.AccessToken{ID: gatehouse.NewID(), OrganizationID: org.ID, TokenHash: h.Hash(otok), Scopes: gatehouse.OrganizationScopes, CreatedAt: now}
	mustNil(t, st.CreateAccessToken(ctx, at))

	rv := &secretscan.Revoker{Store: st, Hasher: h, Now: func() time.Time { return now.Add(time.Minute) }}
	reports := []secretscan.Report{
		{Token: stok, Type: secretscan.TypeSessionToken},
		{Token: otok, Type: secretscan.TypeOrganizationToken},
		{Token: token.New(token.PrefixSession), Type: secretscan.TypeSessionToken}, // unknown
		{Token: otok, Type: secretscan.TypeSessionToken},                           // wrong kind
		{Token: "gatehouse_cst_nope", Type: secretscan.TypeSessionToken},           // malformed
		{Token: stok, Type: secretscan.TypeSessionToken},                           // already revoked
	}
	res, err := rv.Revoke(ctx, reports)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"true_positive", "true_positive", "false_positive", "false_positive", "false_positive", "false_positive"}
	for i, r := range res {
		if r.Label != want[i] || r.TokenRaw != reports[i].Token || r.TokenType != reports[i].Type {
			t.Errorf("result %d = %+v, want label %s", i, r, want[i])
		}
	}
	s, _, err := st.SessionByHash(ctx, h.Hashes(stok))
	if err != nil || s.RevokedAt == nil || s.RevokedReason == nil || *s.RevokedReason != gatehouse.RevokedLeaked {
		t.Errorf("reported session not revoked as leaked: %+v, %v", s, err)
	}
	tk, err := st.AccessTokenByHash(ctx, h.Hashes(otok))
	if err != nil || tk.Live(now.Add(time.Hour)) {
		t.Errorf("reported organization token still live: %+v, %v", tk, err)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
