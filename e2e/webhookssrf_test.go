package e2e

import (
	"context"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/webhook"
)

// privateURLMessage is Polar's 422 message for a URL naming localhost or
// a private address.
const privateURLMessage = "Webhook URLs cannot point to localhost or private IP addresses."

// TestWebhookSSRF runs the binary without --webhooks-allow-private-urls:
// endpoints naming loopback, private, link-local, unspecified or
// IPv4-mapped loopback addresses (or localhost, or http) are refused at
// creation with Polar's 422; a DNS name that resolves to loopback passes
// creation (the name says nothing) but every delivery to it fails at the
// dial, with a response saying why.
func TestWebhookSSRF(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			d := newDeployment(t, be)
			srv := d.MustServe(t, "--webhook-retry-base", "10ms")
			_, c := hookOrg(t, d, srv, "hooks-ssrf")
			ctx := context.Background()
			for _, u := range []string{
				"https://127.0.0.1/", "https://127.1.2.3:8443/h", "https://10.0.0.1/", "https://192.168.1.1/", "https://172.16.0.1/",
				"https://169.254.169.254/latest/meta-data/", "https://100.64.0.1/", "https://[::1]/", "https://0.0.0.0/",
				"https://localhost/", "https://LOCALHOST:8443/", "https://api.localhost/", "https://[::ffff:127.0.0.1]/",
				"https://[fe80::1]/", "https://[fc00::1]/",
			} {
				_, err := c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: u, Format: "raw", Events: []string{"customer.created"}})
				e := mustAPIError(t, err, 422, "RequestValidationError") // a body model rule, as FastAPI reports it
				if len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Msg, privateURLMessage) {
					t.Errorf("create endpoint %s: got %s, want one detail with %q", u, e.Body, privateURLMessage)
				}
			}
			_, err := c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: "http://example.com/h", Format: "raw", Events: []string{}})
			mustFieldError(t, err, "RequestValidationError", "body", "url")

			t.Run("DNS name resolving to loopback", func(t *testing.T) { testHookLoopbackName(t, c) })
		})
	}
}

// loopbackName returns a host name this machine resolves to loopback
// addresses only, without DNS: its own host name, in /etc/hosts on most
// systems ("localhost" itself is refused by name at creation).
func loopbackName() (string, bool) {
	name, err := os.Hostname()
	if err != nil || name == "" || strings.EqualFold(name, "localhost") {
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
	if err != nil || len(addrs) == 0 {
		return "", false
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return "", false
		}
	}
	return name, true
}

func testHookLoopbackName(t *testing.T, c *client.Client) {
	name, ok := loopbackName()
	if !ok {
		t.Skip("this machine's host name does not resolve to loopback only; internal/webhooks' safeDialer tests cover a name resolving to loopback")
	}
	ctx := context.Background()
	rcv := newReceiver(t, nil)
	port := rcv.Listener.Addr().(*net.TCPAddr).Port
	u := (&url.URL{Scheme: "https", Host: net.JoinHostPort(name, strconv.Itoa(port)), Path: "/hook"}).String()
	ep, err := c.CreateWebhookEndpoint(ctx, apitype.WebhookEndpointCreate{URL: u, Format: "raw", Events: []string{webhook.EventCustomerCreated}})
	if err != nil {
		t.Fatalf("create endpoint %s (%s resolves to loopback, which only the dial can know): %v", u, name, err)
	}
	if _, err := c.CreateCustomer(ctx, apitype.CustomerCreate{Email: email("ssrf")}); err != nil {
		t.Fatal(err)
	}
	rows := waitFailedRows(t, c, ep.ID, 2)
	if err := c.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Succeeded || r.HTTPCode != nil || !strings.Contains(str(r.Response), "non-public address") {
			t.Errorf("delivery to %s: succeeded %v http_code %v response %q; want a failure without HTTP code saying the address is not public", u, r.Succeeded, r.HTTPCode, str(r.Response))
		}
	}
	if n := len(rcv.deliveries()); n != 0 {
		t.Errorf("the loopback receiver got %d requests, want none", n)
	}
}

// waitFailedRows waits until endpoint has at least n delivery rows.
func waitFailedRows(t *testing.T, c *client.Client, endpoint string, n int) []apitype.WebhookDelivery {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rows := allDeliveries(t, c, client.ListWebhookDeliveriesParams{EndpointIDs: []string{endpoint}})
		if len(rows) >= n {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("endpoint %s: %d delivery rows after 20s, want %d", endpoint, len(rows), n)
		}
	}
}
