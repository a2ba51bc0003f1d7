package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/apitype"
	"github.com/gatehouse/gatehouse/client"
)

// Verify checks the server c points at against the ledger, typically right
// after a crash and restart, and returns every discrepancy:
//
//   - every acknowledged customer exists with its email and external ID,
//     unless its delete was acknowledged (then it is gone); a delete whose
//     answer was lost may have gone either way;
//   - its name and metadata agree on one generation (no half-applied
//     PATCH), which is the last acknowledged one or one sent after it
//     without an answer;
//   - a create whose answer was lost either does not exist or exists
//     completely, exactly as sent;
//   - every acknowledged session authenticates on the portal as its
//     customer, unless it was revoked or its customer deleted (then it gets
//     401 invalid_token); a revoke or delete in flight allows either.
//
// c carries an organization token with customers:read.
func Verify(ctx context.Context, c *client.Client, l *Ledger) []error {
	var (
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	custs, unacked, sessions := l.Customers(), l.Unacknowledged(), l.Sessions()
	byID := make(map[string]CustomerRecord, len(custs))
	for _, cu := range custs {
		byID[cu.ID] = cu
	}
	jobs := make(chan func(), 64)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range jobs {
				j()
			}
		})
	}
	for _, rec := range custs {
		jobs <- func() {
			if err := verifyCustomer(ctx, c, rec); err != nil {
				fail(err)
			}
		}
	}
	for _, rec := range unacked {
		jobs <- func() {
			if err := verifyUnacked(ctx, c, rec); err != nil {
				fail(err)
			}
		}
	}
	for _, s := range sessions {
		cu := byID[s.CustomerID]
		jobs <- func() {
			if err := verifySession(ctx, c, s, cu); err != nil {
				fail(err)
			}
		}
	}
	close(jobs)
	wg.Wait()
	return errs
}

func verifyCustomer(ctx context.Context, c *client.Client, rec CustomerRecord) error {
	got, err := c.GetCustomer(ctx, rec.ID)
	switch {
	case client.IsNotFound(err) && (rec.Deleted || rec.DeletePending):
		return nil
	case err != nil && rec.Deleted:
		return fmt.Errorf("customer %s: delete was acknowledged, GET gives %v, want 404", rec.ID, err)
	case err != nil:
		return fmt.Errorf("customer %s (acknowledged create): %w", rec.ID, err)
	case rec.Deleted:
		return fmt.Errorf("customer %s: delete was acknowledged but it is still there", rec.ID)
	}
	if got.Email == nil || *got.Email != rec.Email || got.ExternalID == nil || *got.ExternalID != rec.ExternalID {
		return fmt.Errorf("customer %s: got email %v external_id %v, want %q %q", rec.ID, got.Email, got.ExternalID, rec.Email, rec.ExternalID)
	}
	gen, err := generation(got)
	if err != nil {
		return fmt.Errorf("customer %s: %w", rec.ID, err)
	}
	if maybe := rec.unanswered(); gen != rec.Gen && !slices.Contains(maybe, gen) {
		return fmt.Errorf("customer %s: generation %d, want the acknowledged %d (or an unacknowledged one of %v)", rec.ID, gen, rec.Gen, maybe)
	}
	return nil
}

// unanswered returns the generations of the updates sent after the last
// acknowledged one without an answer: each may be what the server holds
// (one round's kill can leave one, and the next round's another).
func (rec CustomerRecord) unanswered() []int {
	var out []int
	for _, ch := range rec.Changes {
		if ch.Type == gatehouse.EventCustomerUpdated && ch.Gen > rec.Gen && ch.Outcome == Unknown {
			out = append(out, ch.Gen)
		}
	}
	if rec.PendingGen != 0 && !slices.Contains(out, rec.PendingGen) {
		out = append(out, rec.PendingGen)
	}
	return out
}

// generation returns the generation name and metadata agree on.
func generation(cu *apitype.Customer) (int, error) {
	if cu.Name == nil {
		return 0, errors.New("name is null, want gen-N")
	}
	name := *cu.Name
	metaGen, ok := cu.Metadata["gen"].(float64)
	if !ok {
		return 0, fmt.Errorf("metadata gen is %v, want a number", cu.Metadata["gen"])
	}
	if want := "gen-" + strconv.Itoa(int(metaGen)); name != want {
		return 0, fmt.Errorf("half-applied update: name %q but metadata gen %v", name, metaGen)
	}
	return int(metaGen), nil
}

func verifyUnacked(ctx context.Context, c *client.Client, rec CustomerRecord) error {
	got, err := c.GetCustomerExternal(ctx, rec.ExternalID)
	if client.IsNotFound(err) {
		return nil // never applied
	}
	if err != nil {
		return fmt.Errorf("unacknowledged create %s: %w", rec.ExternalID, err)
	}
	gen, err := generation(got)
	if err != nil || gen != 0 || got.Email == nil || *got.Email != rec.Email {
		return fmt.Errorf("unacknowledged create %s: applied partially (email %v, generation %d, %v)", rec.ExternalID, got.Email, gen, err)
	}
	return nil
}

func verifySession(ctx context.Context, c *client.Client, s SessionRecord, cu CustomerRecord) error {
	dead := s.Revoked || cu.Deleted
	maybe := s.RevokePending || cu.DeletePending
	me, err := c.As(s.Token).PortalMe(ctx)
	switch {
	case err == nil && dead:
		return fmt.Errorf("session %s: revoked or customer deleted (acknowledged) but the token still works", s.ID)
	case err == nil && me.ID != s.CustomerID:
		return fmt.Errorf("session %s: authenticates as %s, want %s", s.ID, me.ID, s.CustomerID)
	case err == nil:
		return nil
	case client.IsInvalidToken(err) && (dead || maybe):
		return nil
	}
	return fmt.Errorf("session %s (acknowledged create): portal me: %w", s.ID, err)
}
