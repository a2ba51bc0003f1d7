-- Webhooks: endpoints, one event row per (change, endpoint), one delivery
-- row per attempt. Secrets are sealed (internal/token.Sealer): a dump of
-- the database reveals none. Booleans are INTEGER 0/1.

CREATE TABLE webhook_endpoints (
    id                     TEXT PRIMARY KEY,
    organization_id        TEXT NOT NULL REFERENCES organizations (id),
    created_at             BIGINT NOT NULL,
    modified_at            BIGINT,
    deleted_at             BIGINT,
    url                    TEXT NOT NULL,
    name                   TEXT,
    format                 TEXT NOT NULL,
    secret_sealed          BLOB NOT NULL,
    previous_secret_sealed BLOB,
    previous_secret_until  BIGINT,
    events                 TEXT NOT NULL DEFAULT '[]', -- JSON array of subscribed types
    enabled                INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_organization_created ON webhook_endpoints (organization_id, created_at) WHERE deleted_at IS NULL;

-- seq orders the events: AUTOINCREMENT never reuses a value, and with one
-- writer it follows commit order.
CREATE TABLE webhook_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    customer_id     TEXT NOT NULL,
    type            TEXT NOT NULL,
    payload         TEXT, -- NULL once archived
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT,
    succeeded       INTEGER, -- NULL until it succeeded or failed for good
    skipped         INTEGER NOT NULL DEFAULT 0,
    last_http_code  INTEGER,
    waiting         INTEGER NOT NULL DEFAULT 0, -- behind an earlier event of its endpoint and customer
    claim_owner     TEXT,   -- the sender of the attempt under way (WebhookClaim)
    claim_until     BIGINT
);
-- The ordering checks: the unfinished events of one endpoint and customer.
CREATE INDEX webhook_events_pending ON webhook_events (endpoint_id, customer_id, seq) WHERE succeeded IS NULL AND NOT skipped;
-- Auto-disable: the latest finished events of an endpoint.
CREATE INDEX webhook_events_finished ON webhook_events (endpoint_id, seq) WHERE succeeded IS NOT NULL;
-- Retention: the unarchived events by age.
CREATE INDEX webhook_events_archive ON webhook_events (created_at) WHERE payload IS NOT NULL;

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id        TEXT NOT NULL REFERENCES webhook_events (id),
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT,
    succeeded       INTEGER NOT NULL,
    http_code       INTEGER,
    response        TEXT
);
-- The deliveries list, newest first; its filters narrow the organization's rows.
CREATE INDEX webhook_deliveries_organization_created ON webhook_deliveries (organization_id, created_at, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
