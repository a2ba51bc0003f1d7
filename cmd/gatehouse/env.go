package main

import (
	"fmt"
	"strconv"
	"time"
)

// envValues reads GATEHOUSE_* variables as flag defaults, remembering the
// first value that does not parse so the command can report it as a usage
// error (instead of silently falling back to the built-in default).
type envValues struct {
	getenv func(string) string
	err    error
}

func (v *envValues) str(key, def string) string {
	if s := v.getenv(key); s != "" {
		return s
	}
	return def
}

func (v *envValues) duration(key string, def time.Duration) time.Duration {
	s := v.getenv(key)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		v.fail(key, s, "a duration such as 30s, 15m or 1h")
		return def
	}
	return d
}

func (v *envValues) int(key string, def int) int {
	s := v.getenv(key)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		v.fail(key, s, "an integer")
		return def
	}
	return n
}

func (v *envValues) bool(key string, def bool) bool {
	s := v.getenv(key)
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		v.fail(key, s, "true or false")
		return def
	}
	return b
}

func (v *envValues) fail(key, val, want string) {
	if v.err == nil {
		v.err = &usageError{
			msg:  fmt.Sprintf("environment variable %s=%q is not valid", key, val),
			hint: fmt.Sprintf("set %s to %s, or unset it", key, want),
		}
	}
}

// check returns the first bad variable, if any.
func (v *envValues) check() error { return v.err }
