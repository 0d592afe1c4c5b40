-- Records (Casdoor's audit objects), webhooks and their delivery outbox, sqlite. Keep in step
-- with ../postgres/0011_records_webhooks.sql. Earlier files are applied on existing
-- databases: change the schema only in new files.

-- One row per management write, sign-in, sign-out and failed sign-in, written in the
-- transaction of the change it describes. Never a secret or a token. No foreign keys: a
-- record outlives what it describes. Pruned after FERRODOOR_RECORD_RETENTION_DAYS.
CREATE TABLE records (
    name         TEXT PRIMARY KEY,
    owner        TEXT NOT NULL,
    created_time TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    client_ip    TEXT NOT NULL DEFAULT '',
    user_name    TEXT NOT NULL DEFAULT '',
    method       TEXT NOT NULL DEFAULT '',
    request_uri  TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    object       TEXT NOT NULL DEFAULT '',
    response     TEXT NOT NULL DEFAULT '',
    status_code  BIGINT NOT NULL DEFAULT 200,
    is_triggered BOOLEAN NOT NULL DEFAULT FALSE
);
-- Serves an organization's list (newest last) and the retention purge.
CREATE INDEX records_owner_time_idx ON records (owner, created_time);
CREATE INDEX records_time_idx ON records (created_time);

-- Casdoor's Webhook objects. The signing secret is sealed with the server's secret key.
CREATE TABLE webhooks (
    owner            TEXT NOT NULL,
    name             TEXT NOT NULL,
    created_time     TEXT NOT NULL DEFAULT '',
    organization     TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    method           TEXT NOT NULL DEFAULT 'POST',
    content_type     TEXT NOT NULL DEFAULT 'application/json',
    headers          TEXT NOT NULL DEFAULT '[]',
    events           TEXT NOT NULL DEFAULT '[]',
    is_user_extended BOOLEAN NOT NULL DEFAULT FALSE,
    is_enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    secret_sealed    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (owner, name)
);

-- The outbox: one row per (webhook, event), written in the event's transaction and sent
-- after commit by whichever node leases it (lease_until), retried with backoff.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_owner   TEXT NOT NULL,
    webhook_name    TEXT NOT NULL,
    record_name     TEXT NOT NULL,
    event           TEXT NOT NULL,
    organization    TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    lease_until     BIGINT NOT NULL DEFAULT 0,
    last_status     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT NOT NULL DEFAULT 0
);
-- Serves the sender's claim of due deliveries.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_owner, webhook_name);
