package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sdkDelivery is one captured delivery as compat/webhook-deliveries.mjs
// reads it: the headers as received (names lower-cased), the body as
// text, and a secret it must verify under.
type sdkDelivery struct {
	Name    string            `json:"name"`
	Secret  string            `json:"secret"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// sdkChecksPerDelivery is how many node tests webhook-deliveries.mjs runs
// for each delivery: 0.49.0 validateEvent, 1.0.1 webhooks.validateEvent,
// the Express adapter's re-serialized body, a Standard Webhooks library,
// and a tampered body refused by both SDKs.
const sdkChecksPerDelivery = 5

// captureDeliveries records ds for the SDK suite, each under secret.
func captureDeliveries(ds []hookDelivery, secret string) []sdkDelivery {
	out := make([]sdkDelivery, 0, len(ds))
	for _, d := range ds {
		h := map[string]string{}
		for k := range d.Header {
			h[strings.ToLower(k)] = d.Header.Get(k)
		}
		out = append(out, sdkDelivery{Name: d.Type() + " " + d.ID(), Secret: secret, Headers: h, Body: string(d.Body)})
	}
	return out
}

// verifyWithSDKs runs compat/webhook-deliveries.mjs on the captured
// deliveries: Polar's official SDKs 0.49.0 and 1.0.1 (and the Express
// adapter's way of calling 0.49.0) must accept every one of them.
func verifyWithSDKs(t *testing.T, captured []sdkDelivery) {
	node := mustNode(t)
	file := filepath.Join(t.TempDir(), "deliveries.json")
	b, err := json.Marshal(captured)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=tap", "webhook-deliveries.mjs")
	cmd.Dir = compatDir
	cmd.Env = append(os.Environ(), "GATEHOUSE_WEBHOOK_DELIVERIES="+file, "NODE_NO_WARNINGS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("official-SDK webhook checks failed (%v):\n%s", err, out)
	}
	want := "# pass " + strconv.Itoa(1+sdkChecksPerDelivery*len(captured)) + "\n"
	if !strings.Contains(string(out), "# fail 0\n") || !strings.Contains(string(out), want) {
		t.Fatalf("official-SDK webhook checks: want %q and no failure, got:\n%s", want, out)
	}
	t.Logf("official-SDK webhook checks on %d deliveries: %s", len(captured), summary(string(out)))
}
