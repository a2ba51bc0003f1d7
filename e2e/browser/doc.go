// Package browser holds the customer portal's browser tests: the real
// gatehouse binary, built once, serves a fresh SQLite database, and real
// headless Chromium (driven over the DevTools protocol with chromedp) uses
// the portal the way a customer does.
//
// Run them with "go test ./e2e/browser/". They need Chromium at
// /usr/bin/chromium (or $GATEHOUSE_CHROMIUM); TestMain installs the Debian
// package with scripts/install-chromium.sh when it is missing. Every scenario
// saves a PNG screenshot under test-artifacts/screenshots/ at the repository
// root. Set GATEHOUSE_BIN to test a prebuilt binary.
package browser
