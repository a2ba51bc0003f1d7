-- Webhooks: endpoints, one event row per (change, endpoint), one delivery
-- row per attempt. Secrets are sealed (internal/token.Sealer): a dump of
-- the database reveals none.

CREATE TABLE webhook_endpoints (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    organization_id        TEXT NOT NULL REFERENCES organizations (id),
    created_at             BIGINT NOT NULL,
    modified_at            BIGINT,
    deleted_at             BIGINT,
    url                    TEXT NOT NULL,
    name                   TEXT,
    format                 TEXT NOT NULL,
    secret_sealed          BYTEA NOT NULL,
    previous_secret_sealed BYTEA,
    previous_secret_until  BIGINT,
    events                 TEXT NOT NULL DEFAULT '[]', -- JSON array of subscribed types
    enabled                BOOLEAN NOT NULL
);
CREATE INDEX webhook_endpoints_organization_created ON webhook_endpoints (organization_id, created_at) WHERE deleted_at IS NULL;

-- seq orders the events. For one customer it follows commit order: the
-- events are inserted after the customer row is written, which locks it.
CREATE TABLE webhook_events (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT COLLATE "C" NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    customer_id     TEXT NOT NULL,
    type            TEXT NOT NULL,
    payload         TEXT, -- NULL once archived
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT,
    succeeded       BOOLEAN, -- NULL until it succeeded or failed for good
    skipped         BOOLEAN NOT NULL DEFAULT FALSE,
    last_http_code  INTEGER,
    waiting         BOOLEAN NOT NULL DEFAULT FALSE, -- behind an earlier event of its endpoint and customer
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
    id              TEXT COLLATE "C" PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id        TEXT NOT NULL REFERENCES webhook_events (id),
    created_at      BIGINT NOT NULL,
    modified_at     BIGINT,
    succeeded       BOOLEAN NOT NULL,
    http_code       INTEGER,
    response        TEXT
);
-- The deliveries list, newest first; its filters narrow the organization's rows.
CREATE INDEX webhook_deliveries_organization_created ON webhook_deliveries (organization_id, created_at, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
