package mail

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/gatehouse/gatehouse"
)

//go:embed templates
var templateFS embed.FS

// The login-code templates are parsed once at start-up; a broken template
// panics on the first run of the binary, never at request time.
var (
	loginCodeText = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/login_code.txt"))
	loginCodeHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/login_code.html"))
)

// loginCodeView is what the login-code templates see.
type loginCodeView struct {
	OrgName  string
	Code     string
	Minutes  int
	LoginURL string
}

// LoginCodeMessage renders the message carrying a customer's one-time login
// code: subject "Access your <orgName> purchases", and a plain-text and an
// HTML body with the organization name, the code, its lifetime in minutes
// (rounded up, at least 1) and a link to the portal's login page. The HTML
// part escapes every value; a loginURL with an unsafe scheme is neutralized.
func LoginCodeMessage(to, orgName, code string, ttl time.Duration, loginURL string) gatehouse.Message {
	orgName = strings.Join(strings.Fields(orgName), " ")
	v := loginCodeView{
		OrgName:  orgName,
		Code:     code,
		Minutes:  max(1, int((ttl+time.Minute-1)/time.Minute)),
		LoginURL: loginURL,
	}
	var text, html bytes.Buffer
	// The templates are fixed and the view holds only strings and an int,
	// so execution cannot fail short of a programming error.
	if err := loginCodeText.Execute(&text, v); err != nil {
		panic("mail: render login code text: " + err.Error())
	}
	if err := loginCodeHTML.Execute(&html, v); err != nil {
		panic("mail: render login code html: " + err.Error())
	}
	return gatehouse.Message{
		To:      to,
		Subject: "Access your " + orgName + " purchases",
		Text:    text.String(),
		HTML:    html.String(),
	}
}
