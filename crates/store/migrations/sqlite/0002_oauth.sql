-- OAuth authorization codes and refresh-token families, SQLite. Keep in step with
-- ../postgres/0002_oauth.sql. 0001 is applied on existing databases: change the schema
-- only in new files.

-- Authorization codes, by their sha256 only. A used code stays until it expires, so a
-- replay is recognized (and the token issued from it, `token_name`, revoked).
CREATE TABLE authorization_codes (
    code_hash             TEXT NOT NULL PRIMARY KEY,
    application           TEXT NOT NULL DEFAULT '',
    organization          TEXT NOT NULL DEFAULT '',
    user_name             TEXT NOT NULL DEFAULT '',
    redirect_uri          TEXT NOT NULL DEFAULT '',
    scope                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    auth_time             BIGINT NOT NULL DEFAULT 0,
    expires_at            BIGINT NOT NULL,
    used                  BOOLEAN NOT NULL DEFAULT FALSE,
    token_name            TEXT
);

-- The first token of a refresh chain names the family ('' for tokens issued before, which
-- belong to none); auth_time is when the user signed in (0 when unknown).
ALTER TABLE tokens ADD COLUMN family TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tokens_family_idx ON tokens (family);
