package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func mkRun(backend, scenario string, sessions int, target string, run int, requests, p99 int64) Run {
	return Run{Backend: backend, Scenario: scenario, Sessions: sessions, Target: target, Run: run,
		Wrk: Wrk{Requests: requests, DurationUS: 10e6, LatencyP99US: p99}}
}

func TestSummarizeAndTargets(t *testing.T) {
	var runs []Run
	for r := 1; r <= 3; r++ {
		runs = append(runs,
			mkRun("sqlite", "check", 1000000, "baseline", r, 600000+int64(r)*10000, 2000),
			mkRun("sqlite", "check", 1000000, "gatehouse", r, 400000+int64(r)*10000, 12000),
			mkRun("sqlite", "check", 10000, "baseline", r, 600000, 2000),
			mkRun("sqlite", "check", 10000, "gatehouse", r, 420000, 9000),
		)
	}
	sums := summarize(runs)
	if len(sums) != 2 || sums[0].Sessions != 10000 || sums[1].Sessions != 1000000 {
		t.Fatalf("summarize gave %+v, want check at 10k then 1M", sums)
	}
	big := sums[1]
	if big.RPS != 42000 || big.BaseRPS != 62000 || len(big.PairRatios) != 3 {
		t.Errorf("1M summary = %.0f vs %.0f req/s, %d pair ratios; want 42000 vs 62000, 3", big.RPS, big.BaseRPS, len(big.PairRatios))
	}
	got := map[string]string{}
	for _, tg := range targets(sums) {
		got[tg.name] = tg.verdict
	}
	for name, want := range map[string]string{
		"`check` ≥ 0.6 × baseline (SQLite, 1,000,000 sessions)":       "met",         // 0.68
		"`check` p99 ≤ 10 ms at 64 connections (SQLite)":              "**not met**", // 12 ms
		"`check` at 1,000,000 sessions within 20% of 10,000 (sqlite)": "met",         // 0.68 / 0.70
	} {
		if got[name] != want {
			t.Errorf("target %q: %q, want %q (all: %v)", name, got[name], want, got)
		}
	}
}

func TestRunWritesResults(t *testing.T) {
	dir := t.TempDir()
	var lines bytes.Buffer
	for r := 1; r <= 2; r++ {
		for _, run := range []Run{
			mkRun("sqlite", "check", 100, "baseline", r, 500000, 2000),
			mkRun("sqlite", "check", 100, "gatehouse", r, 300000, 3000),
			mkRun("sqlite", "create", 100, "gatehouse", r, 50000, 3000),
		} {
			b, _ := json.Marshal(run)
			lines.Write(append(b, '\n'))
		}
	}
	runs := filepath.Join(dir, "runs.jsonl")
	if err := os.WriteFile(runs, lines.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-runs", runs, "-out", out, "-meta", "nproc=2", "-meta", "mode=smoke"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v (%s)", err, stderr.String())
	}
	for _, f := range []string{"raw.json", "RESULTS.md", "throughput.png", "check-vs-sessions.png"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v, want a non-empty file", f, err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "RESULTS.md"))
	if !strings.Contains(string(md), "Smoke run") || !strings.Contains(string(md), "| 30000 | 50000 | **0.60** |") {
		t.Errorf("RESULTS.md lacks the smoke note or the check row:\n%s", md)
	}
	// Re-rendering from raw.json gives the same markdown.
	if err := run([]string{"-raw", filepath.Join(out, "raw.json"), "-out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("re-render: %v", err)
	}
	again, _ := os.ReadFile(filepath.Join(out, "RESULTS.md"))
	if !bytes.Equal(md, again) {
		t.Errorf("re-rendered RESULTS.md differs")
	}
}
