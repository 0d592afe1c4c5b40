-- Casdoor's authorization objects and users' groups, PostgreSQL.
-- Keep in step with ../sqlite/0008_authz.sql.

-- A user's groups (Casdoor's `groups`): JSON list of group ids (owner/name).
ALTER TABLE users ADD COLUMN group_ids TEXT NOT NULL DEFAULT '[]';

-- One table per kind, the same shape each: the key, the list columns, and the whole
-- object as JSON (`body`; its shape is the core's, see entity/authz.rs).
CREATE TABLE authz_models (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE authz_permissions (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE authz_roles (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE authz_groups (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE authz_adapters (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);
CREATE TABLE authz_enforcers (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_time TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
);

-- One row: grows with every change that can change an enforce answer (any of the tables
-- above, a user's groups). Each node compares it with the version its enforcers were
-- built at, on every enforce.
CREATE TABLE authz_version (
    id      INTEGER NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO authz_version (id, version) VALUES (1, 0);
