// Package login is the customer sign-in service: minting customer sessions,
// and the one-time codes e-mailed to customers who have no portal link.
//
// The code request path is built against enumeration: whatever the email or
// organization, the caller gets the same answer after the same work (input
// checks and rate limiting). Looking the customer up, storing the code and
// sending the mail happen afterwards, in the background.
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
	// Mail delivers the code e-mails. nil: they are dropped with a warning
	// (never their content: it holds a code), so no code is ever
	// delivered; for tests and tools that mint sessions only.
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

// New returns a Service and starts its background worker; Close stops it.
// It panics without cfg.Store or cfg.Customers: a wiring mistake, better
// found at start-up than as a failed code redemption.
func New(cfg Config) *Service {
	if cfg.Store == nil || cfg.Customers == nil {
		panic("login: Config.Store and Config.Customers are required")
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
	s := &Service{cfg: cfg, jobs: make(chan request, 1024)}
	s.wg.Add(1)
	go s.work()
	return s
}

// dropMail is the mail queue of a Config without one.
type dropMail struct{ log *slog.Logger }

func (d dropMail) Enqueue(m gatehouse.Message) {
	d.log.Warn("no mail queue configured: login code mail dropped", "subject", m.Subject)
}

// Close stops accepting code requests and finishes the queued ones, or
// gives up when ctx ends.
func (s *Service) Close(ctx context.Context) error {
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
// ERateLimited error; it never tells whether the customer exists.
func (s *Service) RequestCode(ctx context.Context, email, orgID, clientIP string) error {
	if !s.cfg.DisableRateLimits {
		for _, key := range []string{"request:ip:" + clientIP, "request:email:" + s.cfg.Hasher.Hash("email:"+strings.ToLower(email))} {
			if err := s.limit(ctx, key, s.cfg.RequestLimits); err != nil {
				return err
			}
		}
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
		if err := s.issue(ctx, r); err != nil {
			s.cfg.Logger.Error("issue login code", "err", err)
		}
		cancel()
	}
}

// issue stores a code for the customer with that email, if any, and mails it.
func (s *Service) issue(ctx context.Context, r request) error {
	org, err := s.cfg.Store.Organization(ctx, r.orgID)
	if err != nil && !errors.Is(err, gatehouse.ErrNotFound) {
		return fmt.Errorf("find organization: %w", err)
	}
	// The customer lookup runs for an unknown organization too, so that the
	// background work (which shares the CPU and the database with requests)
	// is the same for every address that has no customer.
	c, err := s.cfg.Store.CustomerByEmail(ctx, r.orgID, r.email)
	if errors.Is(err, gatehouse.ErrNotFound) || org == nil {
		return nil
	} else if err != nil {
		return fmt.Errorf("find customer: %w", err)
	}
	code := token.NewCode()
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	lc := &gatehouse.LoginCode{
		ID:             gatehouse.NewID(),
		OrganizationID: org.ID,
		CustomerID:     c.ID,
		CodeHash:       s.cfg.Hasher.Hash(code),
		Email:          r.email,
		CreatedAt:      now,
		ExpiresAt:      now.Add(s.cfg.CodeTTL),
	}
	if err := s.cfg.Store.CreateLoginCode(ctx, lc, s.cfg.MaxLiveCodes); err != nil {
		return fmt.Errorf("store login code: %w", err)
	}
	loginURL := s.cfg.PublicURL + "/" + url.PathEscape(org.Slug) + "/portal/authenticate"
	s.cfg.Mail.Enqueue(mail.LoginCodeMessage(r.email, org.Name, code, s.cfg.CodeTTL, loginURL))
	return nil
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
