package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlstore"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/internal/webhooks"
)

// Defaults shared by every command.
const (
	defaultDB = "sqlite:gatehouse.db"
	// secretFileSuffix names the generated-secret file beside a SQLite database.
	secretFileSuffix = ".secret"
)

// dbFlags are the flags every command takes: where the data lives and the
// secret its tokens are hashed with.
type dbFlags struct {
	dsn             string
	secret          string
	previousSecrets string
	logFormat       string
	logLevel        string
}

func (d *dbFlags) register(fs *flag.FlagSet, v *envValues) {
	fs.StringVar(&d.dsn, "db", v.str("GATEHOUSE_DB", defaultDB),
		"database: sqlite:PATH or postgres://user:pass@host:5432/db (GATEHOUSE_DB)")
	fs.StringVar(&d.secret, "secret", v.str("GATEHOUSE_SECRET", ""),
		"HMAC secret tokens are hashed with; on SQLite generated into <db>"+secretFileSuffix+" when empty, required on PostgreSQL (GATEHOUSE_SECRET)")
	fs.StringVar(&d.previousSecrets, "previous-secrets", v.str("GATEHOUSE_PREVIOUS_SECRETS", ""),
		"comma-separated former secrets whose tokens stay valid during a rotation (GATEHOUSE_PREVIOUS_SECRETS)")
	fs.StringVar(&d.logFormat, "log-format", v.str("GATEHOUSE_LOG_FORMAT", "text"),
		"log format on stderr: text or json (GATEHOUSE_LOG_FORMAT)")
	fs.StringVar(&d.logLevel, "log-level", v.str("GATEHOUSE_LOG_LEVEL", "info"),
		"least severe log level written: debug, info, warn or error (GATEHOUSE_LOG_LEVEL)")
}

// logger returns the command's logger on w, as --log-format and
// --log-level say.
func (d *dbFlags) logger(w io.Writer) (*slog.Logger, error) {
	return newLogger(w, d.logFormat, d.logLevel)
}

// isSQLite reports whether the DSN names a SQLite database.
func (d *dbFlags) isSQLite() bool { return strings.HasPrefix(d.dsn, "sqlite:") }

// sqlitePath returns the file path inside a sqlite: DSN.
func (d *dbFlags) sqlitePath() string {
	rest := strings.TrimPrefix(strings.TrimPrefix(d.dsn, "sqlite:"), "//")
	path, _, _ := strings.Cut(rest, "?")
	return path
}

// describe names the database for logs without credentials.
func (d *dbFlags) describe() string {
	if d.isSQLite() {
		return "sqlite:" + d.sqlitePath()
	}
	return "postgres" // the URL may carry a password: never log it
}

// open connects to the database. SQLite files get their schema on open, so
// every command works on a new file; PostgreSQL is never migrated here.
func (d *dbFlags) open(ctx context.Context, opts sqlstore.Options) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, d.dsn, opts)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", d.describe(), err)
	}
	if st.Dialect() == "sqlite" {
		if err := migrateAll(ctx, st); err != nil {
			st.Close()
			return nil, fmt.Errorf("create schema in %s: %w", d.describe(), err)
		}
	}
	return st, nil
}

// migrateAll applies the store's migrations, then River's.
func migrateAll(ctx context.Context, st *sqlstore.Store) error {
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	return webhooks.Migrate(ctx, st.DB(), st.Dialect())
}

// errSchemaBehind is returned when PostgreSQL needs "gatehouse migrate".
var errSchemaBehind = errors.New("database schema is behind")

// checkSchema refuses a PostgreSQL schema older than this binary, unless
// migrate is set, in which case it applies the migrations.
func checkSchema(ctx context.Context, st *sqlstore.Store, migrate bool, log *slog.Logger) error {
	if st.Dialect() == "sqlite" {
		return nil
	}
	cur, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	riverBehind, err := webhooks.Pending(ctx, st.DB(), st.Dialect())
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case (cur < latest || riverBehind) && migrate:
		if err := migrateAll(ctx, st); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		log.Info("migrated database", "from_version", cur, "to_version", latest)
	case riverBehind && cur >= latest:
		return fmt.Errorf("%w (the webhook queue's tables are missing or old): run `gatehouse migrate` first (or start serve with --migrate)", errSchemaBehind)
	case cur < latest:
		return fmt.Errorf("%w (version %d, this gatehouse needs %d): run `gatehouse migrate` first (or start serve with --migrate)", errSchemaBehind, cur, latest)
	case cur > latest:
		log.Warn("database schema is newer than this binary; upgrade gatehouse", "version", cur, "binary_version", latest)
	}
	return nil
}

// hasher returns the token hasher under secrets.
func (d *dbFlags) hasher(log *slog.Logger) (*token.Hasher, error) {
	secret, prev, err := d.secrets(log)
	if err != nil {
		return nil, err
	}
	return token.NewHasher(secret, prev...), nil
}

// sealer returns what seals the secrets the store must read back (webhook
// signing secrets), keyed by the same secret as the hasher: the previous
// secrets still open what they sealed during a rotation.
func (d *dbFlags) sealer(log *slog.Logger) (*token.Sealer, error) {
	secret, prev, err := d.secrets(log)
	if err != nil {
		return nil, err
	}
	return token.NewSealer(secret, prev...)
}

// secrets resolves the server secret (the flag, else on SQLite the secret
// file beside the database, created on first use) and the previous ones.
func (d *dbFlags) secrets(log *slog.Logger) (string, []string, error) {
	secret := d.secret
	if secret == "" {
		if !d.isSQLite() {
			return "", nil, errors.New("a secret is required on PostgreSQL: set --secret or GATEHOUSE_SECRET, the same on every instance")
		}
		var err error
		if secret, err = sqliteSecret(d.sqlitePath()+secretFileSuffix, log); err != nil {
			return "", nil, err
		}
	}
	var prev []string
	for _, s := range strings.Split(d.previousSecrets, ",") {
		if s = strings.TrimSpace(s); s != "" {
			prev = append(prev, s)
		}
	}
	return secret, prev, nil
}

// sqliteSecret reads the generated secret at path, creating it (32 random
// bytes, hex, mode 0600) if it does not exist. Two processes racing to create
// it agree: the loser of O_EXCL reads the winner's file.
func sqliteSecret(path string, log *slog.Logger) (string, error) {
	for range 50 {
		b, err := os.ReadFile(path)
		if err == nil {
			s := strings.TrimSpace(string(b))
			if s != "" {
				if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
					log.Warn("secret file is readable by others; chmod 600 it", "path", path, "mode", fi.Mode().Perm().String())
				}
				return s, nil
			}
			// Empty: another process is between create and write.
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		created, err := createSecret(path)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		log.Info("generated a new secret for the SQLite database; keep this file with the database", "path", path)
		return created, nil
	}
	return "", fmt.Errorf("read secret file %s: it stays empty", path)
}

func createSecret(path string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create secret file: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("write secret file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write secret file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write secret file: %w", err)
	}
	return s, nil
}
