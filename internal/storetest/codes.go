package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// mustCode stores a login code of c created at created.
func mustCode(t *testing.T, s gatehouse.Store, c *gatehouse.Customer, hash string, created time.Time, maxLive int) *gatehouse.LoginCode {
	t.Helper()
	lc := &gatehouse.LoginCode{ID: uniq("code-"), OrganizationID: c.OrganizationID, CustomerID: c.ID, CodeHash: hash,
		Email: *c.Email, CreatedAt: created, ExpiresAt: created.Add(30 * time.Minute)}
	mustOK(t, s.CreateLoginCode(ctx, lc, maxLive), "create login code")
	return lc
}

func testLoginCodes(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "code@example.com")
	lc := mustCode(t, s, c, "c1", T0, 5)
	_, err := s.RedeemLoginCode(ctx, []string{"c1"}, at(30*time.Minute))
	wantCode(t, err, gatehouse.ENotFound, "redeem at expiry")
	got, err := s.RedeemLoginCode(ctx, []string{"other", "c1"}, at(time.Minute))
	mustOK(t, err, "redeem")
	want := *lc
	want.CreatedAt, want.ExpiresAt = utcMicro(lc.CreatedAt), utcMicro(lc.ExpiresAt)
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("redeemed code: got %+v, want %+v", got, &want)
	}
	_, err = s.RedeemLoginCode(ctx, []string{"c1"}, at(time.Minute))
	wantCode(t, err, gatehouse.ENotFound, "redeem twice")
	_, err = s.RedeemLoginCode(ctx, []string{"unknown"}, at(time.Minute))
	wantCode(t, err, gatehouse.ENotFound, "redeem unknown")
	_, err = s.RedeemLoginCode(ctx, nil, at(time.Minute))
	wantCode(t, err, gatehouse.ENotFound, "redeem without hashes")
}

func testLoginCodeMaxLive(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c, other := mustCustomer(t, s, org, "max@example.com"), mustCustomer(t, s, org, "max2@example.com")
	mustCode(t, s, other, "o1", T0, 5)
	for i := range 7 {
		// Same creation instant for all: insertion order decides.
		mustCode(t, s, c, "m"+string(rune('0'+i)), T0, 5)
	}
	now := at(time.Minute)
	for i := range 7 {
		_, err := s.RedeemLoginCode(ctx, []string{"m" + string(rune('0'+i))}, now)
		if i < 2 {
			wantCode(t, err, gatehouse.ENotFound, "code beyond the 5 newest")
		} else {
			mustOK(t, err, "one of the 5 newest codes")
		}
	}
	_, err := s.RedeemLoginCode(ctx, []string{"o1"}, now)
	mustOK(t, err, "another customer's code is kept")
}

func testRateLimit(t *testing.T, s gatehouse.Store) {
	limits := []gatehouse.RateLimit{{Max: 3, Window: time.Minute}, {Max: 5, Window: time.Hour}}
	block := 15 * time.Minute
	base := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC) // window-aligned
	hit := func(key string, tm time.Time) (bool, time.Duration) {
		t.Helper()
		ok, retry, err := s.RateLimit(ctx, key, limits, block, tm)
		mustOK(t, err, "rate limit")
		return ok, retry
	}
	for i := range 3 {
		if ok, _ := hit("ip:1", base.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatalf("event %d of 3 per minute refused", i+1)
		}
	}
	ok, retry := hit("ip:1", base.Add(10*time.Second))
	if ok || retry != block {
		t.Fatalf("4th event in a minute: got %v, retry %v; want refused, %v", ok, retry, block)
	}
	if ok, _ := hit("ip:2", base.Add(10*time.Second)); !ok {
		t.Fatal("another key is refused")
	}
	// Blocked until base+10s+15m, even in a new minute window.
	ok, retry = hit("ip:1", base.Add(5*time.Minute))
	if ok || retry != 10*time.Minute+10*time.Second {
		t.Fatalf("while blocked: got %v, retry %v; want refused, 10m10s", ok, retry)
	}
	ok, _ = hit("ip:1", base.Add(10*time.Second+block))
	if !ok {
		t.Fatal("after the block: refused, want allowed")
	}
	// The hour counter: the refused 4th event counted, refusals while
	// blocked did not, so the event above was the 5th of the hour and the
	// next one is over the hourly limit.
	if ok, retry := hit("ip:1", base.Add(30*time.Minute)); ok || retry != block {
		t.Fatalf("6th event in the hour: got %v, retry %v; want refused, %v", ok, retry, block)
	}
	if ok, _ := hit("ip:3", base.Add(40*time.Minute)); !ok {
		t.Fatal("a fresh key is refused")
	}
}

func testRateLimitWindows(t *testing.T, s gatehouse.Store) {
	limits := []gatehouse.RateLimit{{Max: 2, Window: time.Minute}}
	base := time.Date(2025, 1, 1, 10, 0, 59, 0, time.UTC)
	for i, tc := range []struct {
		at   time.Time
		want bool
	}{{base, true}, {base.Add(500 * time.Millisecond), true}, {base.Add(time.Second), true}, {base.Add(time.Second + time.Millisecond), true}} {
		ok, _, err := s.RateLimit(ctx, "w", limits, time.Minute, tc.at)
		mustOK(t, err, "rate limit")
		if ok != tc.want {
			t.Fatalf("event %d at %v: got allowed=%v, want %v (fixed windows restart each minute)", i, tc.at, ok, tc.want)
		}
	}
	// Without a block, a refusal lasts until the window ends.
	ok, retry, err := s.RateLimit(ctx, "w", limits, 0, base.Add(2*time.Second))
	if err != nil || ok || retry != 59*time.Second {
		t.Fatalf("third event in window without block: got %v, %v, %v; want refused, 59s", ok, retry, err)
	}
}

func testPurge(t *testing.T, s gatehouse.Store) {
	org := mustOrg(t, s)
	c := mustCustomer(t, s, org, "purge@example.com")
	old := mustSession(t, s, c, at(time.Minute))
	live := mustSession(t, s, c, at(time.Hour))
	mustCode(t, s, c, "p-old", at(-time.Hour), 5) // expires at -30m
	mustCode(t, s, c, "p-live", T0, 5)
	limits := []gatehouse.RateLimit{{Max: 1, Window: time.Minute}}
	s.RateLimit(ctx, "k1", limits, 10*time.Minute, T0)
	s.RateLimit(ctx, "k1", limits, 10*time.Minute, T0) // blocks k1 until T0+10m
	s.RateLimit(ctx, "k2", []gatehouse.RateLimit{{Max: 1, Window: 24 * time.Hour}}, time.Hour, T0)

	n, err := s.Purge(ctx, at(5*time.Minute))
	mustOK(t, err, "purge")
	// old session, old code, k1's minute window.
	if n != 3 {
		t.Fatalf("purge at +5m: got %d rows, want 3", n)
	}
	_, err = s.Session(ctx, org.ID, old.ID)
	wantCode(t, err, gatehouse.ENotFound, "purged session")
	_, err = s.Session(ctx, org.ID, live.ID)
	mustOK(t, err, "live session kept")
	_, err = s.RedeemLoginCode(ctx, []string{"p-old"}, at(-40*time.Minute))
	wantCode(t, err, gatehouse.ENotFound, "purged code")
	if ok, _, _ := s.RateLimit(ctx, "k1", limits, 10*time.Minute, at(6*time.Minute)); ok {
		t.Fatal("purge lifted a block that is not over")
	}
	n, err = s.Purge(ctx, at(11*time.Minute))
	mustOK(t, err, "purge")
	if n != 1 { // k1's block; the refused +6m event was not counted
		t.Fatalf("purge at +11m: got %d rows, want 1", n)
	}
	_, err = s.RedeemLoginCode(ctx, []string{"p-live"}, at(time.Minute))
	mustOK(t, err, "live code kept")
}
