-- The sign-in method of a sign-in record (signup, login, login-failed), the same names as
-- the ferrodoor_logins_total metric's `method` label; empty for other records. The console's
-- dashboard counts sign-ins per day by it. Keep in step with ../postgres/0016_record_login_method.sql.
ALTER TABLE records ADD COLUMN login_method TEXT NOT NULL DEFAULT '';
-- Serves the dashboard's per-day counts of sign-in events.
CREATE INDEX records_action_time_idx ON records (action, created_time);
