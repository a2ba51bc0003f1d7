package gatehouse

import "context"

// Message is an e-mail to one recipient, with a plain-text and an HTML part.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Mailer delivers one message now (SMTP, or the log for a first run).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// MailQueue accepts messages for delivery in the background, so that no
// request waits on a mail server and no caller learns whether delivery
// worked.
type MailQueue interface {
	Enqueue(m Message)
}
