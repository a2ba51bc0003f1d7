package main

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Raw is the content of raw.json: everything measured, nothing derived.
type Raw struct {
	Meta map[string]string `json:"meta"`
	Runs []Run             `json:"runs"`
}

// Run is one wrk run against Gatehouse or against the baseline.
type Run struct {
	Backend     string  `json:"backend"`  // sqlite or postgres
	Scenario    string  `json:"scenario"` // check, create, list
	Sessions    int     `json:"sessions"` // stored sessions when the scenario started
	Customers   int     `json:"customers"`
	Target      string  `json:"target"` // gatehouse or baseline
	Run         int     `json:"run"`    // 1-based, alternating with the other target
	DurationS   float64 `json:"duration_s"`
	Threads     int     `json:"threads"`
	Connections int     `json:"connections"`
	// RSSMaxKB is the largest VmRSS sampled during the run; HWMKB the
	// process's VmHWM (peak RSS since start) right after it.
	RSSMaxKB int64 `json:"rss_max_kb"`
	HWMKB    int64 `json:"hwm_kb"`
	// Load1 is the machine's 1-minute load average after the run: above
	// about 2, other processes competed for the two cores.
	Load1 float64 `json:"load1"`
	Wrk   Wrk     `json:"wrk"`
}

// Wrk is the summary the Lua scripts' done() prints.
type Wrk struct {
	Requests      int64   `json:"requests"`
	DurationUS    int64   `json:"duration_us"`
	Bytes         int64   `json:"bytes"`
	ErrorsConnect int64   `json:"errors_connect"`
	ErrorsRead    int64   `json:"errors_read"`
	ErrorsWrite   int64   `json:"errors_write"`
	ErrorsStatus  int64   `json:"errors_status"` // responses with status >= 400
	ErrorsTimeout int64   `json:"errors_timeout"`
	LatencyMeanUS float64 `json:"latency_mean_us"`
	LatencyP50US  int64   `json:"latency_p50_us"`
	LatencyP90US  int64   `json:"latency_p90_us"`
	LatencyP99US  int64   `json:"latency_p99_us"`
	LatencyMaxUS  int64   `json:"latency_max_us"`
}

// RPS is the run's throughput in requests per second.
func (r Run) RPS() float64 {
	if r.Wrk.DurationUS == 0 {
		return 0
	}
	return float64(r.Wrk.Requests) / (float64(r.Wrk.DurationUS) / 1e6)
}

// Summary is one scenario on one backend at one data size: medians over its
// runs, next to the medians of the baseline runs alternated with them.
type Summary struct {
	Backend, Scenario string
	Sessions          int
	Customers         int
	Runs              int
	RPS, BaseRPS      float64
	// Ratio is RPS / BaseRPS.
	Ratio float64
	// PairRatios are the per-run ratios (run i of Gatehouse over run i of
	// the baseline), showing the spread.
	PairRatios           []float64
	P50US, P90US, P99US  int64
	BaseP50US, BaseP99US int64
	// Non2xx counts responses with status >= 400 over all runs; Errors
	// counts socket errors and timeouts.
	Non2xx, Errors  int64
	RSSMaxKB, HWMKB int64
	BaseRSSMaxKB    int64
}

type key struct {
	backend, scenario string
	sessions          int
}

var backendOrder = map[string]int{"sqlite": 0, "postgres": 1}
var scenarioOrder = map[string]int{"check": 0, "create": 1, "list": 2}

// summarize groups runs by backend, scenario and size.
func summarize(runs []Run) []Summary {
	groups := map[key][]Run{}
	for _, r := range runs {
		k := key{r.Backend, r.Scenario, r.Sessions}
		groups[k] = append(groups[k], r)
	}
	var out []Summary
	for k, rs := range groups {
		out = append(out, summarizeGroup(k, rs))
	}
	slices.SortFunc(out, func(a, b Summary) int {
		return cmp.Or(
			cmp.Compare(backendOrder[a.Backend], backendOrder[b.Backend]),
			cmp.Compare(scenarioOrder[a.Scenario], scenarioOrder[b.Scenario]),
			cmp.Compare(a.Sessions, b.Sessions))
	})
	return out
}

func summarizeGroup(k key, rs []Run) Summary {
	s := Summary{Backend: k.backend, Scenario: k.scenario, Sessions: k.sessions}
	var rps, brps []float64
	var p50, p90, p99, bp50, bp99 []int64
	byRun := map[int][2]float64{}
	for _, r := range rs {
		s.Customers = max(s.Customers, r.Customers)
		pr := byRun[r.Run]
		if r.Target == "baseline" {
			brps = append(brps, r.RPS())
			bp50, bp99 = append(bp50, r.Wrk.LatencyP50US), append(bp99, r.Wrk.LatencyP99US)
			s.BaseRSSMaxKB = max(s.BaseRSSMaxKB, r.RSSMaxKB)
			pr[1] = r.RPS()
		} else {
			s.Runs++
			rps = append(rps, r.RPS())
			p50, p90, p99 = append(p50, r.Wrk.LatencyP50US), append(p90, r.Wrk.LatencyP90US), append(p99, r.Wrk.LatencyP99US)
			s.Non2xx += r.Wrk.ErrorsStatus
			s.Errors += r.Wrk.ErrorsConnect + r.Wrk.ErrorsRead + r.Wrk.ErrorsWrite + r.Wrk.ErrorsTimeout
			s.RSSMaxKB, s.HWMKB = max(s.RSSMaxKB, r.RSSMaxKB), max(s.HWMKB, r.HWMKB)
			pr[0] = r.RPS()
		}
		byRun[r.Run] = pr
	}
	s.RPS, s.BaseRPS = median(rps), median(brps)
	if s.BaseRPS > 0 {
		s.Ratio = s.RPS / s.BaseRPS
	}
	s.P50US, s.P90US, s.P99US = median(p50), median(p90), median(p99)
	s.BaseP50US, s.BaseP99US = median(bp50), median(bp99)
	runs := make([]int, 0, len(byRun))
	for n := range byRun {
		runs = append(runs, n)
	}
	slices.Sort(runs)
	for _, n := range runs {
		if pr := byRun[n]; pr[0] > 0 && pr[1] > 0 {
			s.PairRatios = append(s.PairRatios, pr[0]/pr[1])
		}
	}
	return s
}

// median returns the median of v (the mean of the middle two for an even
// count), or zero for none.
func median[T int64 | float64](v []T) T {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// fmtUS formats microseconds as a short duration ("812µs", "4.2ms").
func fmtUS(us int64) string {
	d := time.Duration(us) * time.Microsecond
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", us)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(us)/1000)
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// find returns the summary for backend, scenario and sessions (0: the
// largest size), if any.
func find(sums []Summary, backend, scenario string, sessions int) (Summary, bool) {
	var best Summary
	ok := false
	for _, s := range sums {
		if s.Backend != backend || s.Scenario != scenario {
			continue
		}
		if sessions != 0 && s.Sessions == sessions {
			return s, true
		}
		if sessions == 0 && (!ok || s.Sessions > best.Sessions) {
			best, ok = s, true
		}
	}
	return best, ok
}
