-- Ferrodoor schema, SQLite. Keep in step with ../postgres/0001_init.sql: the same tables,
-- columns and constraints, only the dialect differs. Lists and maps are JSON text (as in
-- Casdoor); Casdoor timestamps (`created_time`) are RFC 3339 text; expiries are unix seconds.

CREATE TABLE organizations (
    name                TEXT NOT NULL PRIMARY KEY,
    owner               TEXT NOT NULL,
    created_time        TEXT NOT NULL DEFAULT '',
    display_name        TEXT NOT NULL DEFAULT '',
    website_url         TEXT NOT NULL DEFAULT '',
    favicon             TEXT NOT NULL DEFAULT '',
    password_type       TEXT NOT NULL DEFAULT '',
    default_avatar      TEXT NOT NULL DEFAULT '',
    default_application TEXT NOT NULL DEFAULT ''
);

CREATE TABLE applications (
    name                    TEXT NOT NULL PRIMARY KEY,
    owner                   TEXT NOT NULL,
    created_time            TEXT NOT NULL DEFAULT '',
    display_name            TEXT NOT NULL DEFAULT '',
    logo                    TEXT NOT NULL DEFAULT '',
    homepage_url            TEXT NOT NULL DEFAULT '',
    description             TEXT NOT NULL DEFAULT '',
    -- No ON DELETE: an organization that still has applications cannot be deleted.
    organization            TEXT NOT NULL REFERENCES organizations (name),
    cert                    TEXT NOT NULL DEFAULT '',
    enable_password         BOOLEAN NOT NULL DEFAULT TRUE,
    enable_sign_up          BOOLEAN NOT NULL DEFAULT TRUE,
    client_id               TEXT NOT NULL,
    client_secret           TEXT NOT NULL DEFAULT '',
    redirect_uris           TEXT NOT NULL DEFAULT '[]',
    grant_types             TEXT NOT NULL DEFAULT '[]',
    token_format            TEXT NOT NULL DEFAULT '',
    expire_in_hours         REAL             NOT NULL DEFAULT 0,
    refresh_expire_in_hours REAL             NOT NULL DEFAULT 0,
    providers               TEXT NOT NULL DEFAULT '[]',
    CONSTRAINT applications_client_id_key UNIQUE (client_id)
);
CREATE INDEX applications_organization_idx ON applications (organization);

CREATE TABLE providers (
    name           TEXT NOT NULL PRIMARY KEY,
    owner          TEXT NOT NULL,
    created_time   TEXT NOT NULL DEFAULT '',
    display_name   TEXT NOT NULL DEFAULT '',
    category       TEXT NOT NULL DEFAULT '',
    type           TEXT NOT NULL DEFAULT '',
    sub_type       TEXT NOT NULL DEFAULT '',
    client_id      TEXT NOT NULL DEFAULT '',
    client_secret  TEXT NOT NULL DEFAULT '',
    client_id2     TEXT NOT NULL DEFAULT '',
    client_secret2 TEXT NOT NULL DEFAULT '',
    provider_url   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX providers_owner_idx ON providers (owner);

CREATE TABLE users (
    owner              TEXT NOT NULL REFERENCES organizations (name),
    name               TEXT NOT NULL,
    created_time       TEXT NOT NULL DEFAULT '',
    updated_time       TEXT NOT NULL DEFAULT '',
    id                 TEXT NOT NULL,
    type               TEXT NOT NULL DEFAULT '',
    password_hash      TEXT,
    display_name       TEXT NOT NULL DEFAULT '',
    first_name         TEXT NOT NULL DEFAULT '',
    last_name          TEXT NOT NULL DEFAULT '',
    avatar             TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    email_verified     BOOLEAN NOT NULL DEFAULT FALSE,
    phone              TEXT NOT NULL DEFAULT '',
    country_code       TEXT NOT NULL DEFAULT '',
    region             TEXT NOT NULL DEFAULT '',
    location           TEXT NOT NULL DEFAULT '',
    affiliation        TEXT NOT NULL DEFAULT '',
    title              TEXT NOT NULL DEFAULT '',
    homepage           TEXT NOT NULL DEFAULT '',
    bio                TEXT NOT NULL DEFAULT '',
    tag                TEXT NOT NULL DEFAULT '',
    language           TEXT NOT NULL DEFAULT '',
    gender             TEXT NOT NULL DEFAULT '',
    birthday           TEXT NOT NULL DEFAULT '',
    is_admin           BOOLEAN NOT NULL DEFAULT FALSE,
    is_forbidden       BOOLEAN NOT NULL DEFAULT FALSE,
    is_deleted         BOOLEAN NOT NULL DEFAULT FALSE,
    signup_application TEXT NOT NULL DEFAULT '',
    -- Casdoor's WeChat column (openid or unionid); users imported from Casdoor only have this.
    wechat             TEXT NOT NULL DEFAULT '',
    properties         TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (owner, name),
    CONSTRAINT users_id_key UNIQUE (id)
);
CREATE INDEX users_wechat_idx ON users (owner, wechat);
CREATE INDEX users_phone_idx ON users (owner, phone);
CREATE INDEX users_email_idx ON users (owner, email);

CREATE TABLE wechat_identities (
    organization TEXT NOT NULL,
    appid        TEXT NOT NULL,
    openid       TEXT NOT NULL,
    unionid      TEXT,
    user_name    TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    updated_time TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organization, appid, openid),
    FOREIGN KEY (organization, user_name) REFERENCES users (owner, name) ON DELETE CASCADE
);
CREATE INDEX wechat_identities_unionid_idx ON wechat_identities (organization, unionid);
-- Serves list_wechat_identities and the cascade when a user is deleted.
CREATE INDEX wechat_identities_user_idx ON wechat_identities (organization, user_name);

CREATE TABLE wechat_code_claims (
    appid      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (appid, code_hash)
);

CREATE TABLE certs (
    name             TEXT NOT NULL PRIMARY KEY,
    owner            TEXT NOT NULL,
    created_time     TEXT NOT NULL DEFAULT '',
    display_name     TEXT NOT NULL DEFAULT '',
    scope            TEXT NOT NULL DEFAULT '',
    type             TEXT NOT NULL DEFAULT '',
    crypto_algorithm TEXT NOT NULL DEFAULT '',
    bit_size         BIGINT NOT NULL DEFAULT 0,
    expire_in_years  BIGINT NOT NULL DEFAULT 0,
    certificate      TEXT NOT NULL DEFAULT '',
    private_key      TEXT NOT NULL DEFAULT ''
);

-- No foreign key to users: client-credentials tokens have no user, and delete_user removes
-- a user's tokens itself.
CREATE TABLE tokens (
    name               TEXT NOT NULL PRIMARY KEY,
    owner              TEXT NOT NULL,
    created_time       TEXT NOT NULL DEFAULT '',
    application        TEXT NOT NULL,
    organization       TEXT NOT NULL,
    user_name          TEXT NOT NULL DEFAULT '',
    expires_in         BIGINT NOT NULL DEFAULT 0,
    scope              TEXT NOT NULL DEFAULT '',
    token_type         TEXT NOT NULL DEFAULT '',
    grant_type         TEXT NOT NULL DEFAULT '',
    expires_at         BIGINT NOT NULL,
    refresh_token_hash TEXT,
    refresh_expires_at BIGINT NOT NULL DEFAULT 0,
    revoked            BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT tokens_refresh_token_hash_key UNIQUE (refresh_token_hash)
);
CREATE INDEX tokens_user_idx ON tokens (organization, user_name);

CREATE TABLE sessions (
    id_hash    TEXT NOT NULL PRIMARY KEY,
    owner      TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (owner, name);
