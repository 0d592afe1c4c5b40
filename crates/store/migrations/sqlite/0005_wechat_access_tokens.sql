-- The WeChat access token of each AppID, shared by every node (fetched once between them),
-- SQLite. Keep in step with ../postgres/0005_wechat_access_tokens.sql.

-- token_sealed: AES-256-GCM with the server's secret key; NULL until the first fetch.
-- version grows with each token stored (compare-and-swap on refresh); lease_until (unix
-- seconds) is when the node fetching the next token gives up its turn.
CREATE TABLE wechat_access_tokens (
    appid        TEXT PRIMARY KEY,
    token_sealed TEXT,
    expires_at   INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 0,
    lease_until  INTEGER NOT NULL DEFAULT 0
);
