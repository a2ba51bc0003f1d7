package cluster

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/e2etest"
)

// readyProbe is one GET /readyz answer.
type readyProbe struct {
	instance int
	at       time.Time     // when the request was sent
	took     time.Duration // until the answer (or the failure)
	status   int           // 0: no answer
	err      error
}

// watchReadiness polls every instance's /readyz until ctx ends; the
// returned function waits for the pollers and returns every probe.
func watchReadiness(ctx context.Context, ins []*e2etest.Server) func() []readyProbe {
	var (
		mu     sync.Mutex
		probes []readyProbe
		wg     sync.WaitGroup
	)
	for i, in := range ins {
		c := in.Client("", bounded)
		wg.Go(func() {
			for ctx.Err() == nil {
				p := readyProbe{instance: i, at: time.Now()}
				p.err = c.Ready(ctx)
				p.took = time.Since(p.at)
				if ctx.Err() != nil {
					return
				}
				p.status = 200
				if p.err != nil {
					p.status = client.StatusCode(p.err)
				}
				mu.Lock()
				probes = append(probes, p)
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	return func() []readyProbe {
		wg.Wait()
		return probes
	}
}

// checkReadiness requires every /readyz answer to be 200 or a 503 with the
// JSON envelope, within answerBound. When the database was surely
// unreachable from down to up (down set), every probe sent and answered in
// that window must be 503, each instance must have answered 503 at least once,
// and the last probe of each instance must be 200 again.
func checkReadiness(t *testing.T, probes []readyProbe, down, up time.Time) {
	t.Helper()
	var n200, n503 [2]int
	var slowest [2]time.Duration
	var last [2]readyProbe
	for _, p := range probes {
		i := p.instance
		last[i] = p
		slowest[i] = max(slowest[i], p.took)
		answered := p.at.Add(p.took)
		inWindow := !down.IsZero() && p.at.After(down) && answered.Before(up)
		if p.took > answerBound {
			t.Errorf("instance %d /readyz sent at %s took %s (bound %s): %s", i, p.at.Format("15:04:05.000"), p.took.Round(time.Millisecond), answerBound, describe(p.err))
		}
		switch p.status {
		case 200:
			n200[i]++
			if inWindow {
				t.Errorf("instance %d /readyz sent %s after the database became unreachable answered 200, want 503", i, p.at.Sub(down).Round(time.Millisecond))
			}
		case 503:
			n503[i]++
			if problem := unavailableBodyProblem(p.err); problem != "" {
				t.Errorf("instance %d /readyz: %s", i, problem)
			}
		default:
			t.Errorf("instance %d /readyz after %s: got %s, want 200 or 503", i, p.took.Round(time.Millisecond), describe(p.err))
		}
	}
	for i := range 2 {
		t.Logf("instance %d /readyz during the run: %d x 200, %d x 503, slowest %s", i, n200[i], n503[i], slowest[i].Round(time.Millisecond))
		if !down.IsZero() && n503[i] == 0 {
			t.Errorf("instance %d /readyz never answered 503 while the database was unreachable", i)
		}
		if last[i].status != 200 {
			t.Errorf("instance %d /readyz at the end of the run: got %s, want 200 without restarting Gatehouse", i, describe(last[i].err))
		}
	}
}
