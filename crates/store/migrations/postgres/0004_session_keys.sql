-- WeChat session keys, sealed (AES-256-GCM) with the server's secret key, PostgreSQL.
-- Keep in step with ../sqlite/0004_session_keys.sql.
ALTER TABLE wechat_identities ADD COLUMN session_key_sealed TEXT;
