-- Emails and phones users set on themselves (Casdoor's update-user), postgres. Keep in step with
-- ../sqlite/0009_pending_contacts.sql.

-- TRUE while the address was set by the user and nobody verified it: such a row is never
-- found by its email or phone (get-user lookups, phone sign-in), so an unverified address
-- cannot take over or merge accounts (Casdoor's CVE-2026-9092). Existing rows were set by
-- administrators or by WeChat, so FALSE.
ALTER TABLE users ADD COLUMN email_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN phone_pending BOOLEAN NOT NULL DEFAULT FALSE;
