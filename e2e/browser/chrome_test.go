package browser

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one browser step (a navigation, a click and its wait).
const stepTimeout = 30 * time.Second

// tab is one page in a fresh headless Chromium with its own profile.
type tab struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string // CSP violations and uncaught script errors
}

// newTab starts Chromium with a viewport of width x height CSS pixels.
func newTab(t *testing.T, width, height int) *tab {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb := &tab{t: t, ctx: ctx}
	t.Cleanup(func() { tb.checkProblems(); cancel(); cancelAlloc() })

	// Subscribe before anything loads, so no report is missed.
	logs := chromedp.Events(ctx, cdplog.EntryAdded)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	tb.do("start chromium", chromedp.EmulateViewport(int64(width), int64(height)))
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable log domain: %v", err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("enable runtime domain: %v", err)
	}
	go func() {
		for ev, err := range logs {
			if err != nil {
				return
			}
			if ev.Entry.Source == cdplog.EntrySourceSecurity || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				tb.report("log: " + ev.Entry.Text)
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			msg := "script exception: " + ev.ExceptionDetails.Text
			if ex := ev.ExceptionDetails.Exception; ex != nil {
				msg += " " + ex.Description
			}
			tb.report(msg)
		}
	}()
	return tb
}

func (tb *tab) report(msg string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.problems = append(tb.problems, msg)
}

// checkProblems fails the test for every CSP violation or script error.
func (tb *tab) checkProblems() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		tb.t.Errorf("browser reported: %s", p)
	}
}

// do runs steps with a timeout, failing the test with the page's text.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v\n%s", what, err, tb.describe())
	}
}

// describe returns the current URL and text, for failure messages.
func (tb *tab) describe() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return "page " + loc + ":\n" + body
}

// get runs one action that returns a value.
func get[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("%s: %v\n%s", what, err, tb.describe())
	}
	return v
}

// eval evaluates a JavaScript expression.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	return get(tb, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// text returns the visible text of the first element matching the CSS
// selector.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return get(tb, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// navigate loads url and waits until the element sel is visible.
func (tb *tab) navigate(url, sel string) {
	tb.t.Helper()
	tb.do("open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// submit clicks the button and waits for the next page's element sel.
func (tb *tab) submit(button, sel string) {
	tb.t.Helper()
	tb.do("submit with "+button, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// setField sets an input or select like a user would, firing input and
// change events so the page's script sees it.
func setField(sel, value string) chromedp.Action[chromedp.Void] {
	js := `(function(){var e=document.querySelector(` + jsString(sel) + `);e.value=` + jsString(value) + `;` +
		`e.dispatchEvent(new Event("input",{bubbles:true}));e.dispatchEvent(new Event("change",{bubbles:true}));return e.value})()`
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.WaitReady(chromedp.CSS(sel))(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		_, err := chromedp.Evaluate[string](js)(ctx, t)
		return chromedp.Void{}, err
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// history returns the URLs of the tab's session history entries.
func (tb *tab) history() []string {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		tb.t.Fatalf("navigation history: %v", err)
	}
	var urls []string
	for _, e := range res.Entries {
		urls = append(urls, e.URL)
	}
	return urls
}

// screenshot saves the whole page as test-artifacts/screenshots/<name>.png
// at the repository root.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	png := get(tb, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := filepath.Join(repoRoot, "test-artifacts", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", path)
}
