-- The audit trail of WeChat identities linked to and unlinked from users, SQLite. Keep in
-- step with ../postgres/0003_identity_events.sql. Earlier files are applied on existing
-- databases: change the schema only in new files.

-- No foreign key to users: the trail outlives the user and its identities (delete_user
-- leaves it alone). `id` orders events of the same created_time by insertion.
CREATE TABLE identity_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    organization TEXT NOT NULL,
    appid        TEXT NOT NULL DEFAULT '',
    openid       TEXT NOT NULL DEFAULT '',
    user_name    TEXT NOT NULL,
    action       TEXT NOT NULL DEFAULT '',
    actor        TEXT NOT NULL DEFAULT '',
    method       TEXT NOT NULL DEFAULT '',
    created_time TEXT NOT NULL DEFAULT ''
);
-- Serves list_identity_events.
CREATE INDEX identity_events_user_idx ON identity_events (organization, user_name);
