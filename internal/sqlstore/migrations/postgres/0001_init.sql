-- Gatehouse schema, PostgreSQL dialect. Times are BIGINT unix microseconds (UTC);
-- *_lower columns hold Go's strings.ToLower of their source column so that
-- case-insensitive matching and ordering are identical on every backend.

CREATE TABLE organizations (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    avatar_url  TEXT,
    created_at  BIGINT NOT NULL,
    modified_at BIGINT
);

CREATE TABLE access_tokens (
    id              TEXT COLLATE "C" PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    token_hash      TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX access_tokens_organization_id ON access_tokens (organization_id);

CREATE TABLE customers (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    organization_id    TEXT NOT NULL REFERENCES organizations (id),
    created_at         BIGINT NOT NULL,
    modified_at        BIGINT,
    deleted_at         BIGINT,
    metadata           TEXT NOT NULL DEFAULT '{}',
    external_id        TEXT,
    external_id_lower  TEXT COLLATE "C",
    email              TEXT,
    email_lower        TEXT COLLATE "C",
    email_verified     BOOLEAN NOT NULL DEFAULT FALSE,
    type               TEXT NOT NULL,
    name               TEXT,
    name_lower         TEXT COLLATE "C",
    billing_name       TEXT,
    billing_name_lower TEXT COLLATE "C",
    billing_address    TEXT,
    tax_id_number      TEXT,
    tax_id_format      TEXT,
    locale             TEXT
);
CREATE UNIQUE INDEX customers_email_key ON customers (organization_id, email_lower) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX customers_external_id_key ON customers (organization_id, external_id) WHERE deleted_at IS NULL;
CREATE INDEX customers_organization_created ON customers (organization_id, created_at) WHERE deleted_at IS NULL;

-- customer_metadata mirrors customers.metadata as (key, value-as-text) rows
-- for the metadata[key]=value list filter.
CREATE TABLE customer_metadata (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    meta_key    TEXT NOT NULL,
    meta_value  TEXT NOT NULL,
    PRIMARY KEY (customer_id, meta_key)
);
CREATE INDEX customer_metadata_key_value ON customer_metadata (meta_key, meta_value);

CREATE TABLE customer_sessions (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    organization_id      TEXT NOT NULL REFERENCES organizations (id),
    customer_id          TEXT NOT NULL REFERENCES customers (id),
    token_hash           TEXT NOT NULL UNIQUE,
    created_at           BIGINT NOT NULL,
    modified_at          BIGINT,
    expires_at           BIGINT NOT NULL,
    return_url           TEXT,
    metadata             TEXT NOT NULL DEFAULT '{}',
    revoked_at           BIGINT,
    revoked_reason       TEXT,
    last_used_at         BIGINT,
    last_used_ip         TEXT,
    last_used_user_agent TEXT
);
CREATE INDEX customer_sessions_customer_id ON customer_sessions (customer_id);
CREATE INDEX customer_sessions_organization_created ON customer_sessions (organization_id, created_at);
CREATE INDEX customer_sessions_expires_at ON customer_sessions (expires_at);

CREATE TABLE login_codes (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    customer_id     TEXT NOT NULL REFERENCES customers (id),
    code_hash       TEXT NOT NULL,
    email           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX login_codes_code_hash ON login_codes (code_hash);
CREATE INDEX login_codes_customer_created ON login_codes (customer_id, created_at);
CREATE INDEX login_codes_expires_at ON login_codes (expires_at);

CREATE TABLE rate_limit_counters (
    rl_key       TEXT NOT NULL,
    window_us    BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (rl_key, window_us)
);
CREATE INDEX rate_limit_counters_end ON rate_limit_counters (window_start);

CREATE TABLE rate_limit_blocks (
    rl_key        TEXT PRIMARY KEY,
    blocked_until BIGINT NOT NULL
);
CREATE INDEX rate_limit_blocks_until ON rate_limit_blocks (blocked_until);
