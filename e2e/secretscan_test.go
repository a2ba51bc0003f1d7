package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// TestSecretScanning reports leaked tokens to the binary the way GitHub
// does, signed with an ECDSA P-256 key whose public half is in the
// --secret-scanning-keys file: a live session token and a live organization
// token are revoked (true_positive), anything else is a false_positive, and
// a bad signature changes nothing.
func TestSecretScanning(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			keysFile := writeScanKeys(t, "gh-key-1", &key.PublicKey)
			d := newDeployment(t, be)
			srv := d.MustServe(t, "--secret-scanning-keys", keysFile)
			acme := d.MustOrg(t, "Acme Inc", "acme")
			leakedOrgToken := d.MustToken(t, "acme", "customers:read")
			c := client.New(srv.URL, client.WithToken(acme.Token))
			ctx := context.Background()
			cu, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("leak")})
			if err != nil {
				t.Fatal(err)
			}
			s, err := c.CreateCustomerSession(ctx, apitype.CustomerSessionCreate{CustomerID: cu.ID})
			if err != nil {
				t.Fatal(err)
			}
			d.Hide(s.Token)

			body, _ := json.Marshal([]map[string]any{
				{"token": s.Token, "type": "gatehouse_customer_session_token", "url": "https://github.com/x/y/blob/main/a", "source": "content"},
				{"token": leakedOrgToken, "type": "gatehouse_organization_access_token", "url": nil, "source": "content"},
				{"token": "gatehouse_cst_" + "0000000000000000000000000000000000000000000", "type": "gatehouse_customer_session_token", "url": nil, "source": "content"},
			})

			// A signature by another key is refused and revokes nothing.
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if code, _ := postScan(t, srv.URL, "gh-key-1", sign(t, other, body), body); code != http.StatusForbidden {
				t.Errorf("report signed by another key: got %d, want 403", code)
			}
			if code, _ := postScan(t, srv.URL, "unknown-key", sign(t, key, body), body); code != http.StatusBadRequest {
				t.Errorf("report naming an unknown key: got %d, want 400", code)
			}
			if _, err := c.As(s.Token).PortalMe(ctx); err != nil {
				t.Fatalf("session after rejected reports: %v", err)
			}

			code, resp := postScan(t, srv.URL, "gh-key-1", sign(t, key, body), body)
			if code != http.StatusOK {
				t.Fatalf("signed report: got %d %s", code, resp)
			}
			var results []struct {
				TokenType string `json:"token_type"`
				Label     string `json:"label"`
			}
			if err := json.Unmarshal(resp, &results); err != nil || len(results) != 3 {
				t.Fatalf("report answer %s: %v", resp, err)
			}
			for i, want := range []string{"true_positive", "true_positive", "false_positive"} {
				if results[i].Label != want {
					t.Errorf("report %d: got %q, want %q", i, results[i].Label, want)
				}
			}
			mustReason(t, c.As(s.Token), "revoked")
			info, err := c.GetCustomerSession(ctx, s.ID)
			if err != nil || str(info.RevokedReason) != "leaked" {
				t.Errorf("leaked session: got %+v, %v; want revoked_reason \"leaked\"", info, err)
			}
			_, err = client.New(srv.URL, client.WithToken(leakedOrgToken)).ListCustomers(ctx, client.ListCustomersParams{})
			if client.StatusCode(err) != http.StatusUnauthorized {
				t.Errorf("leaked organization token after the report: got %v, want 401", err)
			}
			if _, err := c.ListCustomers(ctx, client.ListCustomersParams{}); err != nil {
				t.Errorf("the organization's other token was revoked too: %v", err)
			}
			// Reported again: no longer live, so a false positive.
			if _, resp := postScan(t, srv.URL, "gh-key-1", sign(t, key, body), body); !bytes.Contains(resp, []byte(`"false_positive"`)) || bytes.Contains(resp, []byte(`"true_positive"`)) {
				t.Errorf("second report of revoked tokens: got %s, want only false_positive", resp)
			}
		})
	}
}

// writeScanKeys writes a GitHub-style public keys document with one key.
func writeScanKeys(t *testing.T, id string, pub *ecdsa.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(map[string]any{"public_keys": []map[string]any{{
		"key_identifier": id,
		"key":            string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		"is_current":     true,
	}}})
	path := filepath.Join(t.TempDir(), "secret-scanning-keys.json")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func sign(t *testing.T, key *ecdsa.PrivateKey, body []byte) string {
	t.Helper()
	sum := sha256.Sum256(body)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// postScan sends a report as GitHub does and returns the status and body.
func postScan(t *testing.T, base, keyID, sig string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/integrations/github/secret-scanning", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Github-Public-Key-Identifier", keyID)
	req.Header.Set("Github-Public-Key-Signature", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
