-- WeChat session keys, sealed (AES-256-GCM) with the server's secret key, SQLite.
-- Keep in step with ../postgres/0004_session_keys.sql.
ALTER TABLE wechat_identities ADD COLUMN session_key_sealed TEXT;
