package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/apitype"
)

//go:embed templates static
var assets embed.FS

// pageNames are the page templates; each is parsed together with layout.html.
var pageNames = []string{"account", "signin", "error"}

// parseTemplates parses layout.html with each page into its own set.
func parseTemplates() (map[string]*template.Template, error) {
	base, err := template.New("layout").ParseFS(assets, "templates/layout.html", "templates/fields.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// assetVersion is a short digest of the static files, appended to their URLs
// so a browser never keeps a stale stylesheet after an upgrade.
func assetVersion(static fs.FS) string {
	h := sha256.New()
	for _, name := range []string{"portal.css", "portal.js"} {
		b, _ := fs.ReadFile(static, name)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// page is what the layout needs; every view embeds it.
type page struct {
	T       *Strings
	Title   string
	Org     orgView
	Base    string // /{slug}/portal
	Static  string // URL prefix of the static files
	Version string // asset version query value
	CSRF    string
	Notice  notice
	// Errors maps a form field name to the message shown next to it.
	Errors map[string]string
}

// orgView is the organization shown at the top of every page.
type orgView struct {
	Name      string
	AvatarURL string
	Initial   string
}

// notice is a message at the top of the main card.
type notice struct {
	Kind string // "info", "success", "warning" or "error"
	Text string
}

// fieldView is one labelled text input.
type fieldView struct {
	Name, Label, Value, Type, Autocomplete, Hint, Error string
}

// ID is the input's element id.
func (f fieldView) ID() string { return "f-" + f.Name }

// DescribedBy lists the ids of the hint and error that describe the input.
func (f fieldView) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID()+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

// Field describes a text input with this page's error for it.
func (p page) Field(name, label, value, typ, autocomplete, hint string) fieldView {
	return fieldView{Name: name, Label: label, Value: value, Type: typ, Autocomplete: autocomplete, Hint: hint, Error: p.Errors[name]}
}

// Err returns the message for a field, or "".
func (p page) Err(name string) string { return p.Errors[name] }

// ErrID returns the aria-describedby value for a field with a hint.
func (p page) ErrID(name string, hint bool) string {
	var ids []string
	if hint {
		ids = append(ids, "f-"+name+"-hint")
	}
	if p.Errors[name] != "" {
		ids = append(ids, "f-"+name+"-error")
	}
	return strings.Join(ids, " ")
}

// newOrgView turns the API's organization into what the header shows.
func newOrgView(o *apitype.CustomerOrganization) orgView {
	v := orgView{Name: o.Name}
	if o.AvatarURL != nil && strings.HasPrefix(*o.AvatarURL, "https://") {
		v.AvatarURL = *o.AvatarURL
	}
	if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(o.Name)); r != utf8.RuneError {
		v.Initial = string(unicode.ToUpper(r))
	}
	return v
}

// accountView is the account page.
type accountView struct {
	page
	Name          string
	Email         string
	EmailVerified bool
	SignedInUntil string
	ReturnURL     string
	BackTo        string
	Form          billingForm
	Countries     []Option
	USStates      []Option
	CAProvinces   []Option
	StateMode     string // "us-ca" or "other": which of state/region is relevant now
}

// signInView is the sign-in page in its two steps.
type signInView struct {
	page
	Step     string // "email" or "code"
	Email    string
	Code     string
	Sent     bool // the code step follows a request just made
	SentText string
}

// errorView is a page that only explains a problem.
type errorView struct {
	page
	Heading string
	Message string
	Link    string
}
