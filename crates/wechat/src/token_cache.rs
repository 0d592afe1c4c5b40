//! WeChat access tokens, cached per AppID.
//!
//! Tokens come from `cgi-bin/stable_token` in normal mode, which answers the same token to
//! every caller until it is renewed, so several Ferrodoor servers never invalidate each
//! other's token (the plain `cgi-bin/token` would). Within one server, concurrent callers
//! share one refresh (single-flight), and a token WeChat calls invalid (40001) or expired
//! (42001) is dropped and fetched again once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::WeChatClient;
use crate::error::{ErrorKind, WeChatError};
use crate::response::PhoneInfo;

/// Refresh this long before WeChat says the token expires.
const EARLY_REFRESH: Duration = Duration::from_secs(300);

#[derive(Clone)]
struct Cached {
    token: String,
    refresh_at: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Cached>>>;

#[derive(Clone)]
pub struct AccessTokenCache {
    client: WeChatClient,
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

impl AccessTokenCache {
    pub fn new(client: WeChatClient) -> Self {
        AccessTokenCache {
            client,
            slots: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn slot(&self, appid: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.entry(appid.to_string()).or_default().clone()
    }

    /// A valid access token for `appid`: the cached one, or one fetched by exactly one of
    /// the concurrent callers while the others wait for it.
    pub async fn token(&self, appid: &str, secret: &str) -> Result<String, WeChatError> {
        let slot = self.slot(appid);
        let mut cached = slot.lock().await;
        if let Some(c) = cached.as_ref()
            && c.refresh_at > Instant::now()
        {
            return Ok(c.token.clone());
        }
        let fresh = self.client.stable_token(appid, secret, false).await?;
        let lifetime = Duration::from_secs(fresh.expires_in);
        let refresh_at = Instant::now()
            + lifetime
                .saturating_sub(EARLY_REFRESH)
                .max(Duration::from_secs(30));
        *cached = Some(Cached {
            token: fresh.access_token.clone(),
            refresh_at,
        });
        Ok(fresh.access_token)
    }

    /// Forgets `token` if it is still the cached one (WeChat refused it).
    async fn invalidate(&self, appid: &str, token: &str) {
        let slot = self.slot(appid);
        let mut cached = slot.lock().await;
        if cached.as_ref().is_some_and(|c| c.token == token) {
            *cached = None;
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
        let token = self.token(appid, secret).await?;
        match self
            .client
            .get_user_phone_number(&token, phone_code, openid)
            .await
        {
            Err(e) if token_refused(&e) => {
                self.invalidate(appid, &token).await;
                let token = self.token(appid, secret).await?;
                self.client
                    .get_user_phone_number(&token, phone_code, openid)
                    .await
            }
            other => other,
        }
    }
}

fn token_refused(e: &WeChatError) -> bool {
    matches!(e.errcode(), Some(40001) | Some(42001)) || e.kind() == ErrorKind::TokenExpired
}
