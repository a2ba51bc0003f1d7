package webhooks

import (
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/webhook"
)

// signatures is the webhook-signature header of a delivery at ts: each
// secret's webhook.Sign (the public package receivers verify with, so one
// function signs and verifies), joined by a space; during a rotation's
// overlap the previous secret's pair follows the current one's.
func signatures(secrets []string, id string, ts time.Time, body []byte) string {
	parts := make([]string, len(secrets))
	for i, s := range secrets {
		parts[i] = webhook.Sign(s, id, ts, body)
	}
	return strings.Join(parts, " ")
}
