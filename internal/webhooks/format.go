package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// body returns what is POSTed for an event's stored payload: the payload
// itself for the raw format (byte for byte: it is what is signed and what
// receivers re-serialize to verify), or a short chat message for Discord
// and Slack incoming webhooks. Those receivers do not verify signatures,
// and the message is sent to the merchant's own channel, so it may name
// the customer by e-mail. An unknown format is sent raw.
func body(format string, payload []byte) ([]byte, error) {
	switch format {
	case gatehouse.WebhookFormatDiscord:
		return json.Marshal(map[string]any{"content": chatLine(payload, "**")})
	case gatehouse.WebhookFormatSlack:
		return json.Marshal(map[string]any{"text": chatLine(payload, "*")})
	}
	return payload, nil
}

// chatLine summarizes an event envelope {"type","timestamp","data"} in one
// line: the type in bold (bold is "**" in Discord, "*" in Slack), then
// who it is about: data.email, data.name or data.id, whichever come first
// (for customer events data is the customer; for customer_session events
// data.customer is).
func chatLine(payload []byte, bold string) string {
	var env struct {
		Type string `json:"type"`
		Data struct {
			ID       string `json:"id"`
			Email    string `json:"email"`
			Name     string `json:"name"`
			Customer *struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"customer"`
		} `json:"data"`
	}
	if err := json.Unmarshal(payload, &env); err != nil || env.Type == "" {
		return "Gatehouse event"
	}
	var who []string
	d := env.Data
	if d.Customer != nil {
		who = append(who, d.Customer.Email, d.Customer.ID)
	} else {
		who = append(who, d.Email, d.Name, d.ID)
	}
	for _, w := range who {
		if w != "" {
			return fmt.Sprintf("%s%s%s: %s", bold, env.Type, bold, strings.ReplaceAll(w, bold, ""))
		}
	}
	return bold + env.Type + bold
}
