-- PC sign-in by scanning the mini program's code: one ticket per code shown, kept in the
-- database so that any node may show, confirm or finish it. Keep in step with
-- ../sqlite/0012_wechat_scan_tickets.sql.

-- scene: the code's public scene; browser_hash: hash of the secret cookie of the browser
-- that asked (only that browser may finish); request: the relying party's authorization
-- request (JSON); status: waiting, scanned, confirmed, cancelled or used; scanned_by:
-- owner/name of the user who scanned it. Times are unix seconds.
CREATE TABLE wechat_scan_tickets (
    scene           TEXT PRIMARY KEY,
    browser_hash    TEXT NOT NULL,
    application     TEXT NOT NULL,
    organization    TEXT NOT NULL,
    provider        TEXT NOT NULL,
    request         TEXT NOT NULL,
    status          TEXT NOT NULL,
    scanned_by      TEXT NOT NULL DEFAULT '',
    requester_ip    TEXT NOT NULL DEFAULT '',
    requester_agent TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX wechat_scan_tickets_expires_at ON wechat_scan_tickets (expires_at);
