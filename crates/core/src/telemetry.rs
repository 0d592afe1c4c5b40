//! Token metrics, counted where the core knows them: after the transaction that issued or
//! revoked them committed. Through the `metrics` facade; the server installs the recorder.

/// Tokens issued, by `grant` (the token row's grant type: `authorization_code`,
/// `refresh_token`, `password`, `client_credentials`, `wechat_miniprogram`).
pub const TOKENS_ISSUED: &str = "ferrodoor_tokens_issued_total";
/// Tokens revoked, by `reason` (`revoke`, `logout`, `refresh`, `replay`, `admin`).
pub const TOKENS_REVOKED: &str = "ferrodoor_tokens_revoked_total";

/// Webhook send attempts, by `outcome` (`delivered`, `retry`: failed and scheduled again,
/// `failed`: failed and given up).
pub const WEBHOOK_ATTEMPTS: &str = "ferrodoor_webhook_attempts_total";

pub(crate) fn webhook_attempt(outcome: &'static str) {
    metrics::counter!(WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(1);
}

pub(crate) fn token_issued(grant: &str) {
    metrics::counter!(TOKENS_ISSUED, "grant" => grant.to_string()).increment(1);
}

pub(crate) fn tokens_revoked(reason: &'static str, count: u64) {
    metrics::counter!(TOKENS_REVOKED, "reason" => reason).increment(count);
}
