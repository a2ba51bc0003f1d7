package webhook_test

import (
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEReceiver compiles the Go receiver the README shows (its
// Webhooks section's "package main" block) inside this module, so the copy
// users paste keeps building as the package changes.
func TestREADMEReceiver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const open, fence = "```go\npackage main\n", "\n```"
	sec := string(readme)
	if i := strings.Index(sec, "\n## Webhooks\n"); i >= 0 {
		sec = sec[i:]
	}
	start := strings.Index(sec, open)
	if start < 0 {
		t.Fatal("README's Webhooks section has no ```go block starting with package main")
	}
	src := sec[start+len("```go\n"):]
	src = src[:strings.Index(src, fence)+1]
	if !strings.Contains(src, "gatehouse/webhook") {
		t.Fatalf("README receiver does not use the webhook package:\n%s", src)
	}
	// A directory starting with "_" inside the module: the go command
	// builds it when named, and ./... never matches it.
	dir, err := os.MkdirTemp(".", "_readme")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "vet", "./"+filepath.Base(dir)).CombinedOutput()
	if err != nil {
		t.Fatalf("README receiver does not build: %v\n%s\n%s", err, out, src)
	}
	if formatted, err := format.Source([]byte(src)); err != nil || string(formatted) != src {
		t.Errorf("README receiver is not gofmt-formatted (%v); gofmt writes:\n%s", err, formatted)
	}
}
