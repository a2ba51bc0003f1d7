package web

// Strings holds every piece of text the portal shows to a customer, so that
// a translation is one more value of this type. Fields ending in "Fmt" are
// fmt format strings; their verbs are documented next to them.
type Strings struct {
	Lang string // the BCP 47 tag of the html element

	PortalTitle   string
	PoweredBy     string
	SkipToContent string

	// Sign-in flow.
	SignInTitle        string
	SignInIntro        string
	EmailLabel         string
	EmailHint          string
	SendCode           string
	CheckInboxTitle    string
	CheckInboxFmt      string // %s: the email address
	CheckInboxNoEmail  string
	CodeLabel          string
	CodeHint           string
	VerifyCode         string
	UseOtherEmail      string
	HaveCode           string
	CodeInvalid        string
	CodeRequired       string
	EmailRequired      string
	TryAgainMinutesFmt string // %d: minutes
	TryAgainOneMinute  string
	TryAgainLater      string // when the API did not say how long
	SignedOut          string

	// Why a link or session no longer works (the API's "reason").
	ReasonExpired   string
	ReasonRevoked   string
	ReasonUnknown   string
	ReasonMalformed string
	ReasonGeneric   string

	// Account page.
	AccountTitle      string
	Greeting          string
	NameLabel         string
	NoName            string
	EmailVerified     string
	EmailUnverified   string
	SignedInUntilFmt  string // %s: time such as "14:32 UTC"
	BackToFmt         string // %s: the merchant's name
	SignOut           string
	BillingTitle      string
	BillingIntro      string
	BillingName       string
	Line1             string
	Line2             string
	PostalCode        string
	City              string
	Country           string
	ChooseCountry     string
	State             string
	ChooseState       string
	StateHint         string
	Region            string
	RegionHint        string
	TaxID             string
	TaxIDHint         string
	Save              string
	Saved             string
	FixErrors         string
	USGroup           string
	CAGroup           string
	CountryInvalid    string
	CountryRequired   string
	StateInvalidUS    string
	StateInvalidCA    string
	TaxIDInvalid      string
	TaxIDNeedsCountry string

	// Error pages.
	NotFoundTitle    string
	NotFoundText     string
	ForbiddenTitle   string
	ForbiddenText    string
	ServerErrorTitle string
	ServerErrorText  string
	UnavailableTitle string
	UnavailableText  string
	StartOver        string
}

// English is the portal's default text.
var English = Strings{
	Lang: "en",

	PortalTitle:   "Customer portal",
	PoweredBy:     "Secured by Gatehouse",
	SkipToContent: "Skip to content",

	SignInTitle:        "Sign in",
	SignInIntro:        "Enter the email address you used for your purchase. We will send you a one-time code.",
	EmailLabel:         "Email address",
	EmailHint:          "For example jane@example.com",
	SendCode:           "Send me a code",
	CheckInboxTitle:    "Check your inbox",
	CheckInboxFmt:      "If %s belongs to an account here, we have sent it a 6-character code. It may take a minute to arrive.",
	CheckInboxNoEmail:  "Enter the 6-character code from the email we sent you.",
	CodeLabel:          "Sign-in code",
	CodeHint:           "6 letters and digits, for example K7Q2ZD",
	VerifyCode:         "Sign in",
	UseOtherEmail:      "Use a different email address",
	HaveCode:           "I already have a code",
	CodeInvalid:        "This code is invalid or has expired. Check it, or request a new one.",
	CodeRequired:       "Enter the code from the email.",
	EmailRequired:      "Enter your email address.",
	TryAgainMinutesFmt: "Too many attempts. Please try again in %d minutes.",
	TryAgainOneMinute:  "Too many attempts. Please try again in 1 minute.",
	TryAgainLater:      "Too many attempts. Please try again later.",
	SignedOut:          "You have been signed out.",

	ReasonExpired:   "Your sign-in link has expired. Links are valid for a limited time; sign in again with a code sent to your email.",
	ReasonRevoked:   "This sign-in link has been revoked. Sign in again with a code sent to your email.",
	ReasonUnknown:   "We don't recognise this sign-in link. Sign in with a code sent to your email instead.",
	ReasonMalformed: "This sign-in link is incomplete or damaged. Try copying it again, or sign in with a code sent to your email.",
	ReasonGeneric:   "Your session has ended. Sign in again with a code sent to your email.",

	AccountTitle:      "Your account",
	Greeting:          "Account",
	NameLabel:         "Name",
	NoName:            "Not set",
	EmailVerified:     "Verified",
	EmailUnverified:   "Not verified",
	SignedInUntilFmt:  "Signed in until %s",
	BackToFmt:         "Back to %s",
	SignOut:           "Sign out",
	BillingTitle:      "Billing details",
	BillingIntro:      "These details appear on your invoices.",
	BillingName:       "Billing name",
	Line1:             "Address line 1",
	Line2:             "Address line 2 (optional)",
	PostalCode:        "Postal code",
	City:              "City",
	Country:           "Country",
	ChooseCountry:     "Choose a country",
	State:             "State or province",
	ChooseState:       "Choose a state or province",
	StateHint:         "Required for the United States and Canada.",
	Region:            "Region (optional)",
	RegionHint:        "For addresses outside the United States and Canada.",
	TaxID:             "Tax ID (optional)",
	TaxIDHint:         "For example a VAT number such as FR61954506077. Leave empty to remove it.",
	Save:              "Save billing details",
	Saved:             "Your billing details have been saved.",
	FixErrors:         "Please correct the highlighted fields. Nothing has been saved.",
	USGroup:           "United States",
	CAGroup:           "Canada",
	CountryInvalid:    "Choose a country from the list.",
	CountryRequired:   "Choose a country for your billing address.",
	StateInvalidUS:    "Choose a US state.",
	StateInvalidCA:    "Choose a Canadian province or territory.",
	TaxIDInvalid:      "This tax ID is not valid for the selected country.",
	TaxIDNeedsCountry: "Add a billing address with a country to use a tax ID.",

	NotFoundTitle:    "Page not found",
	NotFoundText:     "There is no customer portal at this address. Check the link you were given.",
	ForbiddenTitle:   "Please try again",
	ForbiddenText:    "Your form could not be accepted because it expired or came from another site. Go back, reload the page and submit it again.",
	ServerErrorTitle: "Something went wrong",
	ServerErrorText:  "We could not complete your request. Please try again in a moment.",
	UnavailableTitle: "Temporarily unavailable",
	UnavailableText:  "The portal is temporarily unavailable. Please try again in a moment.",
	StartOver:        "Go to sign-in",
}
