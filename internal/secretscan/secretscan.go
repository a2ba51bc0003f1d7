// Package secretscan revokes leaked Gatehouse tokens reported by GitHub's
// secret scanning partner program.
//
// GitHub signs each report with ECDSA (P-256, SHA-256) over the raw request
// body and names the key in a header. The public keys are configured from a
// file (the JSON document GitHub publishes at
// /meta/public_keys/secret_scanning), never fetched at request time.
package secretscan

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// Token types a report may name (case-insensitive).
const (
	TypeOrganizationToken = "gatehouse_organization_access_token"
	TypeSessionToken      = "gatehouse_customer_session_token"
)

// Labels of a result.
const (
	TruePositive  = "true_positive"
	FalsePositive = "false_positive"
)

// Errors of Verify.
var (
	ErrKeyNotFound  = errors.New("public key not found")
	ErrBadSignature = errors.New("invalid signature")
)

// Keys holds GitHub's secret-scanning public keys by identifier.
type Keys struct {
	byID map[string]*ecdsa.PublicKey
}

// LoadKeys reads a keys document from a file.
func LoadKeys(path string) (*Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret scanning keys: %w", err)
	}
	k, err := ParseKeys(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParseKeys parses {"public_keys":[{"key_identifier":…,"key":"-----BEGIN PUBLIC KEY-----…"}]}.
func ParseKeys(doc []byte) (*Keys, error) {
	var d struct {
		PublicKeys []struct {
			KeyIdentifier string `json:"key_identifier"`
			Key           string `json:"key"`
		} `json:"public_keys"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("parse secret scanning keys: %w", err)
	}
	k := &Keys{byID: make(map[string]*ecdsa.PublicKey)}
	for _, pk := range d.PublicKeys {
		block, _ := pem.Decode([]byte(pk.Key))
		if block == nil {
			return nil, fmt.Errorf("key %q: not PEM", pk.KeyIdentifier)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", pk.KeyIdentifier, err)
		}
		ec, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("key %q: not an ECDSA key", pk.KeyIdentifier)
		}
		k.byID[pk.KeyIdentifier] = ec
	}
	if len(k.byID) == 0 {
		return nil, errors.New("no public keys")
	}
	return k, nil
}

// Verify checks the base64 ASN.1 ECDSA signature of body by key keyID.
func (k *Keys) Verify(keyID, signature string, body []byte) error {
	pub, ok := k.byID[keyID]
	if !ok {
		return ErrKeyNotFound
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return ErrBadSignature
	}
	sum := sha256.Sum256(body)
	if !ecdsa.VerifyASN1(pub, sum[:], sig) {
		return ErrBadSignature
	}
	return nil
}

// Report is one leaked token as GitHub reports it.
type Report struct {
	Token  string  `json:"token"`
	Type   string  `json:"type"`
	URL    *string `json:"url"`
	Source string  `json:"source"`
}

// Result answers one Report.
type Result struct {
	TokenRaw  string `json:"token_raw"`
	TokenType string `json:"token_type"`
	Label     string `json:"label"`
}

// ParseReports decodes a report body: a JSON array of reports whose type is
// one of ours. Problems come back as schema field errors.
func ParseReports(body []byte) ([]Report, []gatehouse.FieldError) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, []gatehouse.FieldError{{Type: "list_type", Loc: []any{"body"}, Msg: "Input should be a valid list", Input: nil}}
	}
	var out []Report
	var errs []gatehouse.FieldError
	for i, item := range raw {
		var r Report
		for _, f := range []struct {
			name string
			dst  *string
		}{{"token", &r.Token}, {"type", &r.Type}, {"source", &r.Source}} {
			v, ok := item[f.name]
			if !ok {
				errs = append(errs, gatehouse.FieldError{Type: "missing", Loc: []any{"body", i, f.name}, Msg: "Field required", Input: nil})
				continue
			}
			if err := json.Unmarshal(v, f.dst); err != nil {
				errs = append(errs, gatehouse.FieldError{Type: "string_type", Loc: []any{"body", i, f.name}, Msg: "Input should be a valid string", Input: nil})
			}
		}
		if v, ok := item["url"]; ok {
			_ = json.Unmarshal(v, &r.URL)
		}
		r.Type = strings.ToLower(r.Type)
		if r.Type != "" && r.Type != TypeOrganizationToken && r.Type != TypeSessionToken {
			errs = append(errs, gatehouse.FieldError{Type: "enum", Loc: []any{"body", i, "type"}, Msg: fmt.Sprintf("Input should be '%s' or '%s'", TypeOrganizationToken, TypeSessionToken), Input: r.Type,
				Ctx: map[string]any{"expected": fmt.Sprintf("'%s' or '%s'", TypeOrganizationToken, TypeSessionToken)}})
		}
		out = append(out, r)
	}
	return out, errs
}

// Revoker revokes reported tokens that still authenticate.
type Revoker struct {
	Store  gatehouse.Store
	Hasher *token.Hasher
	Now    func() time.Time
}

// Revoke handles reports in order: a live token of the reported kind is
// revoked now and labelled true_positive; anything else false_positive.
func (r *Revoker) Revoke(ctx context.Context, reports []Report) ([]Result, error) {
	out := make([]Result, 0, len(reports))
	for _, rep := range reports {
		ok, err := r.revoke(ctx, rep)
		if err != nil {
			return nil, err
		}
		label := FalsePositive
		if ok {
			label = TruePositive
		}
		out = append(out, Result{TokenRaw: rep.Token, TokenType: rep.Type, Label: label})
	}
	return out, nil
}

func (r *Revoker) revoke(ctx context.Context, rep Report) (bool, error) {
	prefix, ok := token.Parse(rep.Token)
	if !ok {
		return false, nil
	}
	now := r.Now()
	hashes := r.Hasher.Hashes(rep.Token)
	switch {
	case prefix == token.PrefixSession && rep.Type == TypeSessionToken:
		s, _, err := r.Store.SessionByHash(ctx, hashes)
		if errors.Is(err, gatehouse.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("find reported session: %w", err)
		}
		if s.State(now) != "" {
			return false, nil
		}
		if err := r.Store.RevokeSession(ctx, s.OrganizationID, s.ID, gatehouse.RevokedLeaked, now, wire.SessionRevoked); err != nil {
			return false, fmt.Errorf("revoke reported session: %w", err)
		}
		return true, nil
	case prefix == token.PrefixOrganization && rep.Type == TypeOrganizationToken:
		t, err := r.Store.AccessTokenByHash(ctx, hashes)
		if errors.Is(err, gatehouse.ErrNotFound) {
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("find reported token: %w", err)
		}
		if !t.Live(now) {
			return false, nil
		}
		revoked, err := r.Store.RevokeAccessToken(ctx, t.ID, now)
		if err != nil {
			return false, fmt.Errorf("revoke reported token: %w", err)
		}
		return revoked, nil
	}
	return false, nil
}
