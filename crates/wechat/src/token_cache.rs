//! WeChat access tokens, cached per AppID: in memory, then in [`SharedTokens`] (the
//! database every node shares), then from WeChat.
//!
//! Tokens come from `cgi-bin/stable_token` in normal mode, which answers the same token to
//! every caller until it is renewed, so servers never invalidate each other's token (the
//! plain `cgi-bin/token` would). Within one server, concurrent callers share one refresh
//! (single-flight); across servers, the one holding the shared lease fetches while the
//! others wait for what it stores. A token WeChat calls invalid (40001) or expired (42001)
//! is replaced once, and only if no other server replaced it already.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::client::{WeChatClient, WxaCodeRequest};
use crate::error::{ErrorKind, WeChatError};
use crate::response::PhoneInfo;
use crate::shared_tokens::SharedTokens;

/// Refresh this long before WeChat says the token expires (WeChat renews it then).
const EARLY_REFRESH: i64 = 300;
/// How long a server may take to fetch a token for everyone: longer than the client's
/// 5 s timeout, so a lease only lapses when its holder died.
const LEASE_SECONDS: i64 = 10;
const POLL: Duration = Duration::from_millis(50);
/// After this (just over the client's timeout, so the fetch waited for has failed or its
/// server died), a server waiting for another's fetch fetches for itself.
const WAIT_AT_MOST: Duration = Duration::from_secs(6);
/// The version of a token not (known to be) in the shared record.
const UNSHARED: i64 = -1;

#[derive(Clone)]
struct Cached {
    token: String,
    version: i64,
    /// Unix seconds: when WeChat says the token expires, and when we replace it.
    expires_at: i64,
    refresh_at: i64,
}

#[derive(Default)]
struct SlotState {
    cached: Option<Cached>,
    /// The shared version WeChat refused, so it is not taken from the record again.
    refused: Option<i64>,
}

type Slot = Arc<tokio::sync::Mutex<SlotState>>;

#[derive(Clone)]
pub struct AccessTokenCache {
    client: WeChatClient,
    shared: Option<Arc<dyn SharedTokens>>,
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl AccessTokenCache {
    /// A cache of this server only.
    pub fn new(client: WeChatClient) -> Self {
        AccessTokenCache {
            client,
            shared: None,
            slots: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A cache backed by a record every server shares.
    pub fn shared(client: WeChatClient, shared: Arc<dyn SharedTokens>) -> Self {
        AccessTokenCache {
            shared: Some(shared),
            ..Self::new(client)
        }
    }

    fn slot(&self, appid: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(appid.to_string()).or_default().clone()
    }

    /// A valid access token for `appid`: the cached one, or one fetched by exactly one of
    /// the concurrent callers while the others wait for it.
    pub async fn token(&self, appid: &str, secret: &str) -> Result<String, WeChatError> {
        Ok(self.current(appid, secret).await?.token)
    }

    async fn current(&self, appid: &str, secret: &str) -> Result<Cached, WeChatError> {
        let slot = self.slot(appid);
        let mut state = slot.lock().await;
        if let Some(c) = state.cached.as_ref()
            && c.refresh_at > unix_now()
        {
            return Ok(c.clone());
        }
        let fresh = match &self.shared {
            Some(shared) => {
                self.through_shared(shared, appid, secret, state.refused)
                    .await?
            }
            None => self.fetch(appid, secret).await?,
        };
        state.cached = Some(fresh.clone());
        state.refused = None;
        Ok(fresh)
    }

    async fn fetch(&self, appid: &str, secret: &str) -> Result<Cached, WeChatError> {
        let now = unix_now();
        let fresh = self.client.stable_token(appid, secret, false).await?;
        let expires_at = now.saturating_add(i64::try_from(fresh.expires_in).unwrap_or(7200));
        Ok(Cached {
            token: fresh.access_token,
            version: UNSHARED,
            expires_at,
            refresh_at: (expires_at - EARLY_REFRESH).max(now + 30),
        })
    }

    /// The shared token, or the right to fetch it for everyone, or a wait for the server
    /// that holds that right.
    async fn through_shared(
        &self,
        shared: &Arc<dyn SharedTokens>,
        appid: &str,
        secret: &str,
        refused: Option<i64>,
    ) -> Result<Cached, WeChatError> {
        let give_up = Instant::now() + WAIT_AT_MOST;
        loop {
            let now = unix_now();
            let record = match shared.read(appid).await {
                Ok(r) => r,
                Err(e) => return self.unshared(appid, secret, &e).await,
            };
            let version = record.as_ref().map_or(0, |r| r.version);
            if let Some(r) = record
                && let Some(token) = r.token
                && r.expires_at - EARLY_REFRESH > now
                && refused != Some(r.version)
            {
                return Ok(Cached {
                    token,
                    version: r.version,
                    expires_at: r.expires_at,
                    refresh_at: r.expires_at - EARLY_REFRESH,
                });
            }
            match shared.lease(appid, version, now, now + LEASE_SECONDS).await {
                Err(e) => return self.unshared(appid, secret, &e).await,
                Ok(true) => {
                    let fetched = match self.fetch(appid, secret).await {
                        Ok(f) => f,
                        Err(e) => {
                            if let Err(m) = shared.release(appid, version).await {
                                tracing::warn!(appid, error = %m, "could not end a token lease");
                            }
                            return Err(e);
                        }
                    };
                    let stored = shared
                        .store(appid, version, &fetched.token, fetched.expires_at)
                        .await;
                    let version = match stored {
                        Ok(Some(v)) => v,
                        Ok(None) => UNSHARED,
                        Err(e) => {
                            tracing::warn!(appid, error = %e, "could not share an access token");
                            UNSHARED
                        }
                    };
                    return Ok(Cached { version, ..fetched });
                }
                Ok(false) if Instant::now() < give_up => tokio::time::sleep(POLL).await,
                Ok(false) => {
                    return self
                        .unshared(appid, secret, "another server's fetch takes too long")
                        .await;
                }
            }
        }
    }

    /// Without the shared record: `stable_token` in normal mode is still safe to call.
    async fn unshared(&self, appid: &str, secret: &str, why: &str) -> Result<Cached, WeChatError> {
        tracing::warn!(
            appid,
            reason = why,
            "fetching an access token without sharing it"
        );
        self.fetch(appid, secret).await
    }

    /// Forgets `refused` if it is still the cached token (WeChat refused it).
    async fn invalidate(&self, appid: &str, refused: &Cached) {
        let slot = self.slot(appid);
        let mut state = slot.lock().await;
        if state
            .cached
            .as_ref()
            .is_some_and(|c| c.token == refused.token)
        {
            state.cached = None;
            state.refused = Some(refused.version);
        }
    }

    /// `wxa/business/getuserphonenumber` with a cached token, retried once with a fresh
    /// token when WeChat refuses the token.
    pub async fn phone_number(
        &self,
        appid: &str,
        secret: &str,
        phone_code: &str,
        openid: Option<&str>,
    ) -> Result<PhoneInfo, WeChatError> {
        self.with_token(appid, secret, |token| async move {
            self.client
                .get_user_phone_number(&token, phone_code, openid)
                .await
        })
        .await
    }

    /// `wxa/getwxacodeunlimit` with a cached token, retried once like [`Self::phone_number`].
    pub async fn wxa_code_unlimit(
        &self,
        appid: &str,
        secret: &str,
        code: &WxaCodeRequest<'_>,
    ) -> Result<Vec<u8>, WeChatError> {
        self.with_token(appid, secret, |token| async move {
            self.client.wxa_code_unlimit(&token, code).await
        })
        .await
    }

    /// Calls `call` with the cached token; once more with a fresh one if WeChat refuses it.
    async fn with_token<T, F, Fut>(
        &self,
        appid: &str,
        secret: &str,
        call: F,
    ) -> Result<T, WeChatError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, WeChatError>>,
    {
        let cached = self.current(appid, secret).await?;
        match call(cached.token.clone()).await {
            Err(e) if token_refused(&e) => {
                self.invalidate(appid, &cached).await;
                let token = self.token(appid, secret).await?;
                call(token).await
            }
            other => other,
        }
    }
}

fn token_refused(e: &WeChatError) -> bool {
    matches!(e.errcode(), Some(40001) | Some(42001)) || e.kind() == ErrorKind::TokenExpired
}
