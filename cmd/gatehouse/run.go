package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line is wrong
)

// env is what a command may use of the outside world. Nothing else reads the
// process environment or writes to the terminal.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand: a name, a one-line summary, and a runner that
// parses its own flags.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server", runServe},
		{"migrate", "apply the embedded database migrations", runMigrate},
		{"org", "manage organizations (org create)", runOrg},
		{"token", "manage organization access tokens (token create)", runToken},
		{"webhooks", "an organization's webhook endpoints and latest failed deliveries", runWebhooks},
		{"dev", "development and benchmark tools (dev seed: bulk test data)", runDev},
		{"help", "explain a command: gatehouse help COMMAND", nil},
	}
}

// usageError is a mistake on the command line. Hint says what to type
// instead; run prints both and exits 2.
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

func usagef(hint, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// run is the whole program: it returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		return runHelp(ctx, e, rest)
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return exitCode(e, name, c.run(ctx, e, rest))
		}
	}
	fmt.Fprintf(stderr, "gatehouse: unknown command %q\n  try: gatehouse help\n", name)
	return exitUsage
}

func runHelp(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		printUsage(e.stdout)
		return exitOK
	}
	// "gatehouse help org create" is "gatehouse org create -h".
	helpArgs := append(append([]string{}, args[1:]...), "-h")
	for _, c := range commands() {
		if c.name == args[0] && c.run != nil {
			e.stderr = e.stdout // help asked for is output, not an error
			return exitCode(e, args[0], c.run(ctx, e, helpArgs))
		}
	}
	fmt.Fprintf(e.stderr, "gatehouse help: unknown command %q\n  try: gatehouse help\n", args[0])
	return exitUsage
}

func exitCode(e env, name string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "gatehouse %s: %s\n", name, ue.msg)
		if ue.hint != "" {
			fmt.Fprintf(e.stderr, "  try: %s\n", ue.hint)
		}
		return exitUsage
	case errors.Is(err, errFlagParse):
		return exitUsage // the flag package already explained
	}
	fmt.Fprintf(e.stderr, "gatehouse %s: %v\n", name, err)
	return exitError
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `Gatehouse: customers, customer sessions and a customer-portal API
compatible with Polar's official SDKs.

Usage:
  gatehouse COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command takes --db (GATEHOUSE_DB, default sqlite:gatehouse.db) and
--secret (GATEHOUSE_SECRET). On SQLite the schema is created automatically and,
without a secret, one is generated once and kept in <db file>.secret (mode
0600), so the server and the CLI agree. PostgreSQL (--db postgres://...) needs
--secret and an explicit "gatehouse migrate".

Quick start:
  gatehouse serve &
  gatehouse org create --name "Acme Inc" --slug acme
  gatehouse token create --org acme --scopes customers:read,customers:write,customer_sessions:write

Run "gatehouse help COMMAND" or "gatehouse COMMAND -h" for a command's flags.
`)
}

// errFlagParse marks a flag error the flag package has already printed.
var errFlagParse = errors.New("bad flags")

// parseFlags parses args into fs; positional arguments are a usage error.
func parseFlags(fs *flag.FlagSet, args []string, hint string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errFlagParse
	}
	if fs.NArg() > 0 {
		return usagef(hint, "unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// newFlagSet returns a FlagSet that prints its errors and usage to e.stderr,
// with a usage text of synopsis followed by the flag defaults.
func newFlagSet(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\nFlags (defaults come from the GATEHOUSE_* variables named):\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// newLogger returns the process logger: text or JSON on stderr, writing
// records at level and above.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "", "info":
		lv = slog.LevelInfo
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, usagef("--log-level info (or debug, warn, error)", "unknown log level %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log-format text (or json)", "unknown log format %q", format)
}

// runOnly dispatches a command group that has one subcommand, such as
// "gatehouse org create": full names the subcommand ("gatehouse org
// create"), synopsis is the group's usage line and example what a usage
// error suggests typing.
func runOnly(ctx context.Context, e env, args []string, full, synopsis, example string,
	sub func(context.Context, env, []string) error) error {
	if len(args) == 0 {
		return usagef(example, "missing subcommand")
	}
	switch name := full[strings.LastIndexByte(full, ' ')+1:]; args[0] {
	case name:
		return sub(ctx, e, args[1:])
	case "-h", "-help", "--help":
		fmt.Fprintf(e.stderr, "Usage: %s\n\nRun \"%s -h\" for its flags.\n", synopsis, full)
		return nil
	}
	return usagef(example, "unknown subcommand %q", args[0])
}
