// Command report turns the benchmark's raw runs into bench/results:
// raw.json (every run plus the machine description), RESULTS.md (medians,
// ratios to the baseline, the targets) and two PNG charts.
//
// bench/run calls it as
//
//	report -runs runs.jsonl -meta key=value ... -out bench/results
//
// and it re-renders committed results with
//
//	report -raw bench/results/raw.json -out bench/results
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// metaFlags collects repeated -meta key=value flags.
type metaFlags map[string]string

func (m metaFlags) String() string { return fmt.Sprint(map[string]string(m)) }

func (m metaFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	m[k] = v
	return nil
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runsFile := fs.String("runs", "", "JSON lines of runs written by bench/run")
	rawFile := fs.String("raw", "", "an existing raw.json to re-render (instead of -runs)")
	out := fs.String("out", "bench/results", "output directory")
	meta := metaFlags{}
	fs.Var(meta, "meta", "key=value describing the machine or run (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var raw Raw
	switch {
	case *rawFile != "":
		b, err := os.ReadFile(*rawFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("parse %s: %w", *rawFile, err)
		}
		for k, v := range meta {
			raw.Meta[k] = v
		}
	case *runsFile != "":
		runs, err := readRuns(*runsFile)
		if err != nil {
			return err
		}
		raw = Raw{Meta: meta, Runs: runs}
		if _, ok := meta["sqlite"]; !ok {
			meta["sqlite"] = sqliteVersion()
		}
	default:
		return errors.New("give -runs FILE or -raw FILE")
	}
	if len(raw.Runs) == 0 {
		return errors.New("no runs to report")
	}

	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(raw, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*out, "raw.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	sums := summarize(raw.Runs)
	if err := throughputChart(sums, filepath.Join(*out, "throughput.png")); err != nil {
		return fmt.Errorf("throughput chart: %w", err)
	}
	if err := sessionsChart(sums, filepath.Join(*out, "check-vs-sessions.png")); err != nil {
		return fmt.Errorf("sessions chart: %w", err)
	}
	var md bytes.Buffer
	writeMarkdown(&md, raw.Meta, raw.Runs, sums)
	if err := os.WriteFile(filepath.Join(*out, "RESULTS.md"), md.Bytes(), 0o644); err != nil {
		return err
	}
	writeConsole(stdout, sums)
	return nil
}

// readRuns reads one Run per line.
func readRuns(path string) ([]Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var runs []Run
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Run
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		runs = append(runs, r)
	}
	return runs, sc.Err()
}

// writeConsole prints the summary table for the person running the bench.
func writeConsole(w io.Writer, sums []Summary) {
	fmt.Fprintf(w, "%-9s %-7s %9s %10s %10s %6s %9s %9s %7s %8s\n",
		"backend", "scen.", "sessions", "req/s", "base req/s", "ratio", "p50", "p99", "non2xx", "RSS MB")
	for _, s := range sums {
		fmt.Fprintf(w, "%-9s %-7s %9d %10.0f %10.0f %6.2f %9s %9s %7d %8.1f\n",
			s.Backend, s.Scenario, s.Sessions, s.RPS, s.BaseRPS, s.Ratio,
			fmtUS(s.P50US), fmtUS(s.P99US), s.Non2xx, float64(s.RSSMaxKB)/1024)
	}
}
