//! Where several servers keep one access token per AppID (the server implements it on its
//! database), so they fetch it once between them rather than once each.
//!
//! Each AppID has one record: the token, when it expires, a `version` that grows with every
//! token stored, and a lease: the right, until a time, to fetch the next token. Leasing and
//! storing are conditional on the version the caller saw, so a server that saw version `v`
//! refused by WeChat replaces `v` only, never a newer token another server already stored.

use async_trait::async_trait;

/// The shared record of one AppID.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedToken {
    /// None before the first fetch (or when it cannot be read back, e.g. another key).
    pub token: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
    pub version: i64,
}

impl std::fmt::Debug for SharedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedToken")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("expires_at", &self.expires_at)
            .field("version", &self.version)
            .finish()
    }
}

/// Errors are plain messages: the cache then falls back to asking WeChat itself
/// (`stable_token` in normal mode is safe to call from several servers).
#[async_trait]
pub trait SharedTokens: Send + Sync + 'static {
    /// The record of `appid`; None when no server has leased or stored one yet.
    async fn read(&self, appid: &str) -> Result<Option<SharedToken>, String>;
    /// Takes the lease until `until` when the record is still at `version` (0: no record
    /// yet) and no other lease runs at `now`. Answers whether the caller holds it.
    async fn lease(&self, appid: &str, version: i64, now: i64, until: i64) -> Result<bool, String>;
    /// Stores a token fetched under the lease taken at `version` and ends the lease;
    /// answers the new version, or None when the record moved on meanwhile.
    async fn store(
        &self,
        appid: &str,
        version: i64,
        token: &str,
        expires_at: i64,
    ) -> Result<Option<i64>, String>;
    /// Ends a lease taken at `version` without a token (the fetch failed).
    async fn release(&self, appid: &str, version: i64) -> Result<(), String>;
}
