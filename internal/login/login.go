// Package login is the customer sign-in service: minting customer sessions,
// and the one-time codes e-mailed to customers who have no portal link.
//
// The code request path is built against enumeration: whatever the email or
// organization, the caller gets the same answer after the same work (input
// checks, rate limiting, queueing the request). Looking the customer up,
// storing the code and sending the mail happen afterwards, in the
// background: on the durable job queue of Config.Codes (IssueCode works its
// jobs, so an accepted request survives a restart), or, without one, on an
// in-memory queue lost with the process.
package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/mail"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/wire"
)

// Config configures a Service. Zero durations and limits take the defaults.
type Config struct {
	Store gatehouse.Store
	// Customers records the email verification a redeemed code proves
	// (required).
	Customers gatehouse.CustomerService
	Hasher    *token.Hasher
	// Codes is the durable queue of accepted code requests (serve: the
	// job engine, which calls IssueCode for each). With it, Mailer sends
	// the code mails and Mail is unused. nil: requests go to an in-memory
	// queue and their mails to Mail.
	Codes CodeQueue
	// Mailer sends a code mail at once, for IssueCode (required with
	// Codes); its error makes the job retry.
	Mailer gatehouse.Mailer
	// Mail delivers the code e-mails without Codes. nil: they are dropped
	// with a warning (never their content: it holds a code), so no code is
	// ever delivered; for tests and tools that mint sessions only.
	Mail       gatehouse.MailQueue
	Logger     *slog.Logger
	Now        func() time.Time
	PublicURL  string        // portal links are {PublicURL}/{slug}/portal/... (a trailing slash is dropped)
	SessionTTL time.Duration // default DefaultSessionTTL
	CodeTTL    time.Duration // default DefaultCodeTTL
	// MaxLiveCodes is how many unexpired codes a customer may hold; a new
	// one beyond that replaces the oldest. Default 5.
	MaxLiveCodes int
	// RequestLimits apply per client IP and per email address to code
	// requests; AuthenticateLimits per client IP to redemptions. Defaults:
	// DefaultLimits. Block is how long a key that went over stays refused
	// (default DefaultBlock).
	RequestLimits      []gatehouse.RateLimit
	AuthenticateLimits []gatehouse.RateLimit
	Block              time.Duration
	// DisableRateLimits turns limiting off (benchmarks only).
	DisableRateLimits bool
}

// CodeQueue durably queues an accepted code request; its worker calls
// (*Service).IssueCode with the same arguments. *webhooks.Engine
// implements it.
type CodeQueue interface {
	EnqueueLoginCode(ctx context.Context, orgID, email string, at time.Time) error
}

// DefaultLimits are 6 events a minute and 12 an hour.
var DefaultLimits = []gatehouse.RateLimit{{Max: 6, Window: time.Minute}, {Max: 12, Window: time.Hour}}

// Defaults of the zero Config durations; cmd's flags default to them too.
const (
	// DefaultSessionTTL is the lifetime of a session minted without one.
	DefaultSessionTTL = time.Hour
	// DefaultCodeTTL is the lifetime of an e-mailed login code.
	DefaultCodeTTL = 30 * time.Minute
	// DefaultBlock is how long a key over a rate limit stays refused.
	DefaultBlock = 15 * time.Minute
)

// Service mints sessions and runs the e-mailed code flow.
type Service struct {
	cfg  Config
	jobs chan request
	wg   sync.WaitGroup
	once sync.Once
}

type request struct {
	email, orgID string
}

// New returns a Service and, without cfg.Codes, starts its in-memory
// worker; Close stops it. It panics without cfg.Store or cfg.Customers,
// or with Codes but no Mailer: a wiring mistake, better found at start-up
// than as a failed code redemption.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Customers == nil {
		panic("login: Config.Store and Config.Customers are required")
	}
	if cfg.Codes != nil && cfg.Mailer == nil {
		panic("login: Config.Codes needs Config.Mailer")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Mail == nil {
		cfg.Mail = dropMail{cfg.Logger}
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.CodeTTL <= 0 {
		cfg.CodeTTL = DefaultCodeTTL
	}
	if cfg.MaxLiveCodes <= 0 {
		cfg.MaxLiveCodes = 5
	}
	if cfg.RequestLimits == nil {
		cfg.RequestLimits = DefaultLimits
	}
	if cfg.AuthenticateLimits == nil {
		cfg.AuthenticateLimits = DefaultLimits
	}
	if cfg.Block <= 0 {
		cfg.Block = DefaultBlock
	}
	s := &Service{cfg: cfg}
	if cfg.Codes == nil {
		s.jobs = make(chan request, 1024)
		s.wg.Add(1)
		go s.work()
	}
	return s
}

// dropMail is the mail queue of a Config without one.
type dropMail struct{ log *slog.Logger }

func (d dropMail) Enqueue(m gatehouse.Message) {
	d.log.Warn("no mail queue configured: login code mail dropped", "subject", m.Subject)
}

// Close stops accepting code requests and finishes the ones in the
// in-memory queue, or gives up when ctx ends. With Config.Codes there is
// nothing to finish: the job engine owns the requests.
func (s *Service) Close(ctx context.Context) error {
	if s.jobs == nil {
		return nil
	}
	s.once.Do(func() { close(s.jobs) })
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close login service: %w", ctx.Err())
	}
}

// Minted is a new session together with its raw token, which exists only here.
type Minted struct {
	Session *gatehouse.Session
	Token   string
}

// MintOptions are the optional parts of a new session.
type MintOptions struct {
	ReturnURL *string
	TTL       time.Duration // 0: the configured session TTL
	Metadata  gatehouse.Metadata
}

// Mint creates a session for a live customer; the store reports it as
// customer_session.created to the endpoints that subscribe to it, in the
// insert's transaction.
func (s *Service) Mint(ctx context.Context, c *gatehouse.Customer, opts MintOptions) (*Minted, error) {
	ttl := opts.TTL
	if ttl <= 0 {
		ttl = s.cfg.SessionTTL
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	tok := token.New(token.PrefixSession)
	md := opts.Metadata
	if md == nil {
		md = gatehouse.Metadata{}
	}
	sess := &gatehouse.Session{
		ID:             gatehouse.NewID(),
		OrganizationID: c.OrganizationID,
		CustomerID:     c.ID,
		TokenHash:      s.cfg.Hasher.Hash(tok),
		CreatedAt:      now,
		ExpiresAt:      now.Add(ttl),
		ReturnURL:      opts.ReturnURL,
		Metadata:       md,
	}
	if err := s.cfg.Store.CreateSession(ctx, sess, wire.SessionCreated); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	return &Minted{Session: sess, Token: tok}, nil
}

// PortalURL is the link that signs a customer into the portal with tok.
func (s *Service) PortalURL(slug, tok string, email *string) string {
	v := url.Values{}
	v.Set("customer_session_token", tok)
	if email != nil {
		v.Set("email", *email)
	} else {
		v.Set("email", "None")
	}
	return s.cfg.PublicURL + "/" + url.PathEscape(slug) + "/portal?" + v.Encode()
}

// RequestCode rate-limits a code request by client IP and email, then queues
// the lookup and mail in the background. It returns nil (answer 202) or an
// ERateLimited error; it never tells whether the customer exists: every
// accepted request is queued, whatever the address. With Config.Codes, a
// nil return means the request is stored and survives a restart; a
// failure to store it is an error (the caller answers 500 and may retry).
func (s *Service) RequestCode(ctx context.Context, email, orgID, clientIP string) error {
	if !s.cfg.DisableRateLimits {
		for _, key := range []string{"request:ip:" + clientIP, "request:email:" + s.cfg.Hasher.Hash("email:"+strings.ToLower(email))} {
			if err := s.limit(ctx, key, s.cfg.RequestLimits); err != nil {
				return err
			}
		}
	}
	if s.cfg.Codes != nil {
		if err := s.cfg.Codes.EnqueueLoginCode(ctx, orgID, email, s.cfg.Now()); err != nil {
			return scrub(fmt.Errorf("request login code: %w", err), email, false)
		}
		return nil
	}
	select {
	case s.jobs <- request{email: email, orgID: orgID}:
	default:
		s.cfg.Logger.Error("login code queue full; request dropped")
	}
	return nil
}

func (s *Service) limit(ctx context.Context, key string, limits []gatehouse.RateLimit) error {
	ok, wait, err := s.cfg.Store.RateLimit(ctx, key, limits, s.cfg.Block, s.cfg.Now())
	if err != nil {
		return fmt.Errorf("rate limit: %w", err)
	}
	if !ok {
		return &gatehouse.Error{Code: gatehouse.ERateLimited, Message: "Too many requests.", RetryAfter: wait}
	}
	return nil
}

func (s *Service) work() {
	defer s.wg.Done()
	for r := range s.jobs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		m, err := s.issue(ctx, r.orgID, r.email)
		if err != nil {
			s.cfg.Logger.Error("issue login code", "err", scrub(err, r.email, false).Error())
		} else if m != nil {
			s.cfg.Mail.Enqueue(*m)
		}
		cancel()
	}
}

// IssueCode works one queued code request (Config.Codes' job): it looks the
// customer up, stores a fresh code (hashed) and sends its mail through
// Config.Mailer now. It reports whether a mail was sent: false with a nil
// error when no customer of that organization has the address. A failed
// send is an error, so the queue retries; each attempt makes a new code
// (MaxLiveCodes replaces the oldest). A request older than CodeTTL is not
// sent (its customer has given up on it) but returned as a permanent
// error. Errors never hold the full address (the queue stores and logs
// them); Permanent() on them says whether retrying can help.
func (s *Service) IssueCode(ctx context.Context, orgID, email string, requestedAt time.Time) (sent bool, err error) {
	if age := s.cfg.Now().Sub(requestedAt); age > s.cfg.CodeTTL {
		return false, &issueError{msg: fmt.Sprintf("login code request for %s not sent: %s old, beyond the code TTL %s",
			mail.MaskAddress(email), age.Round(time.Second), s.cfg.CodeTTL), permanent: true}
	}
	m, err := s.issue(ctx, orgID, email)
	if err != nil {
		return false, scrub(err, email, false)
	}
	if m == nil {
		return false, nil
	}
	if err := s.cfg.Mailer.Send(ctx, *m); err != nil {
		err = fmt.Errorf("send login code mail to %s: %w", mail.MaskAddress(email), err)
		return false, scrub(err, email, errors.Is(err, mail.ErrPermanent))
	}
	return true, nil
}

// issue stores a code for the customer with that email, if any, and
// returns its mail (nil: no such customer).
func (s *Service) issue(ctx context.Context, orgID, email string) (*gatehouse.Message, error) {
	org, err := s.cfg.Store.Organization(ctx, orgID)
	if err != nil && !errors.Is(err, gatehouse.ErrNotFound) {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	// The customer lookup runs for an unknown organization too, so that the
	// background work (which shares the CPU and the database with requests)
	// is the same for every address that has no customer.
	c, err := s.cfg.Store.CustomerByEmail(ctx, orgID, email)
	if errors.Is(err, gatehouse.ErrNotFound) || org == nil {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find customer: %w", err)
	}
	code := token.NewCode()
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	lc := &gatehouse.LoginCode{
		ID:             gatehouse.NewID(),
		OrganizationID: org.ID,
		CustomerID:     c.ID,
		CodeHash:       s.cfg.Hasher.Hash(code),
		Email:          email,
		CreatedAt:      now,
		ExpiresAt:      now.Add(s.cfg.CodeTTL),
	}
	if err := s.cfg.Store.CreateLoginCode(ctx, lc, s.cfg.MaxLiveCodes); err != nil {
		return nil, fmt.Errorf("store login code: %w", err)
	}
	loginURL := s.cfg.PublicURL + "/" + url.PathEscape(org.Slug) + "/portal/authenticate"
	m := mail.LoginCodeMessage(email, org.Name, code, s.cfg.CodeTTL, loginURL)
	return &m, nil
}

// issueError is an error of the code path whose text has the address
// masked (an SMTP reply names its recipient).
type issueError struct {
	msg       string
	permanent bool
	err       error
}

func (e *issueError) Error() string { return e.msg }
func (e *issueError) Unwrap() error { return e.err }

// Permanent reports whether retrying cannot help (the job engine reads it).
func (e *issueError) Permanent() bool { return e.permanent }

// scrub returns err with every occurrence of addr in its text, in any
// letter case, masked.
func scrub(err error, addr string, permanent bool) error {
	msg := err.Error()
	if addr != "" {
		masked := mail.MaskAddress(addr)
		lower, lowAddr := strings.ToLower(msg), strings.ToLower(addr)
		if len(lower) == len(msg) && len(lowAddr) == len(addr) {
			var b strings.Builder
			for {
				i := strings.Index(lower, lowAddr)
				if i < 0 {
					break
				}
				b.WriteString(msg[:i])
				b.WriteString(masked)
				msg, lower = msg[i+len(addr):], lower[i+len(addr):]
			}
			b.WriteString(msg)
			msg = b.String()
		} else {
			msg = strings.ReplaceAll(msg, addr, masked)
		}
	}
	return &issueError{msg: msg, permanent: permanent, err: err}
}

// ErrCodeInvalid is the answer to a wrong, used or expired code.
var ErrCodeInvalid = &gatehouse.Error{Code: gatehouse.EUnauthorized, Message: "This customer session code is invalid or has expired."}

// Authenticate redeems a code (once) and mints a session for its customer.
// A code whose email matches the customer's marks the email verified.
func (s *Service) Authenticate(ctx context.Context, code, clientIP string) (*Minted, error) {
	if !s.cfg.DisableRateLimits {
		if err := s.limit(ctx, "authenticate:ip:"+clientIP, s.cfg.AuthenticateLimits); err != nil {
			return nil, err
		}
	}
	if !token.ValidCode(code) {
		return nil, ErrCodeInvalid
	}
	lc, err := s.cfg.Store.RedeemLoginCode(ctx, s.cfg.Hasher.Hashes(code), s.cfg.Now())
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, ErrCodeInvalid
	} else if err != nil {
		return nil, fmt.Errorf("redeem code: %w", err)
	}
	c, err := s.cfg.Store.Customer(ctx, lc.OrganizationID, lc.CustomerID)
	if errors.Is(err, gatehouse.ErrNotFound) {
		return nil, ErrCodeInvalid
	} else if err != nil {
		return nil, fmt.Errorf("find customer: %w", err)
	}
	if c, err = s.cfg.Customers.VerifyEmail(ctx, c, lc.Email); err != nil {
		return nil, err
	}
	return s.Mint(ctx, c, MintOptions{})
}
