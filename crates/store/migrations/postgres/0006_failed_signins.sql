-- Failed password sign-ins (Casdoor's fields), PostgreSQL. Keep in step with
-- ../sqlite/0006_failed_signins.sql.

-- Per organization: wrong passwords before an account is frozen, and for how many minutes;
-- 0 means Casdoor's defaults (5 and 15).
ALTER TABLE organizations ADD COLUMN failed_signin_limit BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN failed_signin_frozen_time BIGINT NOT NULL DEFAULT 0;

-- Per user: password attempts counted since the last good one, and when the last wrong
-- one was (unix seconds, 0: none); JSON shows Casdoor's RFC 3339 lastSigninWrongTime.
ALTER TABLE users ADD COLUMN signin_wrong_times BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_signin_wrong_time BIGINT NOT NULL DEFAULT 0;
