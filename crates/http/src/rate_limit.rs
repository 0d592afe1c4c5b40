//! A per-client-IP rate limit (governor's GCRA) on the endpoints anyone may call that cost
//! something: the token endpoint (argon2 for passwords, a WeChat call per mini-program
//! code), password sign-in, the hosted sign-in page and WeChat binding. Random codes from
//! one address cannot burn an app's WeChat API quota, and one address cannot spend the
//! server's hashing. The client is [`crate::client_ip::ClientIp`] (the TCP peer;
//! `X-Forwarded-For` counts only when the peer is a configured trusted proxy). IPv6 clients are counted per /64 (one host holds
//! a whole /64). Accounts have their own limit on wrong passwords (`signin_limit`).

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ferrodoor_core::Error;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, OAuthApiError};

/// Paths limited per client (every method).
pub const LIMITED_PATHS: &[&str] = &[
    "/api/login/oauth/access_token",
    "/oauth/token",
    "/api/login/oauth/refresh_token",
    "/api/login",
    "/login/oauth/authorize",
    "/api/bind-wechat",
];

/// Paths that answer OAuth's error format.
const OAUTH_PATHS: &[&str] = &[
    "/api/login/oauth/access_token",
    "/oauth/token",
    "/api/login/oauth/refresh_token",
];

/// How often (in limited requests) idle clients are forgotten.
const FORGET_EVERY: u64 = 4096;

/// The limit's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Requests per minute a client may keep up; 0 turns the limit off.
    pub per_minute: u32,
    /// Requests a client may send at once before the pace applies.
    pub burst: u32,
    /// Peers whose `X-Forwarded-For` names the client (for every use of the client's
    /// address, see [`crate::client_ip`]; kept here, where the operator sets it).
    pub trusted_proxies: Vec<IpAddr>,
}

pub struct ClientRateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    calls: AtomicU64,
}

impl ClientRateLimit {
    /// None when the settings turn the limit off.
    pub fn new(settings: &RateLimitSettings) -> Option<Self> {
        let per_minute = NonZeroU32::new(settings.per_minute)?;
        let burst = NonZeroU32::new(settings.burst).unwrap_or(NonZeroU32::MIN);
        Some(ClientRateLimit {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            calls: AtomicU64::new(0),
        })
    }

    /// Ok, or the seconds to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        if self.calls.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter
            .check_key(&bucket(client))
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
            })
    }
}

/// The key a client is counted under: IPv4 addresses as they are, IPv6 by their /64.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

/// Middleware: counts requests to [`LIMITED_PATHS`] per client; over the limit, 429 with
/// `Retry-After`, before the handler runs.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (Some(limit), ClientIp(Some(client))) = (state.rate_limit.as_deref(), ClientIp::of(&req))
    else {
        return next.run(req).await;
    };
    let path = req.uri().path();
    if !LIMITED_PATHS.contains(&path) {
        return next.run(req).await;
    }
    match limit.check(client) {
        Ok(()) => next.run(req).await,
        Err(seconds) => {
            let error = Error::TooManyAttempts {
                message: format!("too many requests from this address; retry in {seconds} seconds"),
                retry_after_seconds: seconds.max(1),
            };
            if OAUTH_PATHS.contains(&path) {
                OAuthApiError(error).into_response()
            } else if path == "/login/oauth/authorize" {
                crate::routes::failure_page(&error)
            } else {
                ApiError::Core(error).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> ClientRateLimit {
        ClientRateLimit::new(&RateLimitSettings {
            per_minute: 60,
            burst: 2,
            trusted_proxies: vec![],
        })
        .unwrap()
    }

    #[test]
    fn a_client_over_its_burst_waits_and_others_do_not() {
        let l = limit();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(l.check(a).is_ok());
        assert!(l.check(a).is_ok());
        let wait = l.check(a).expect_err("third request at once");
        assert!((1..=1).contains(&wait), "one request per second: {wait}");
        assert!(l.check("192.0.2.2".parse().unwrap()).is_ok());
        // Another address of the same IPv6 /64 is the same client.
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert!(l.check(v6a).is_ok() && l.check(v6b).is_ok());
        assert!(l.check(v6a).is_err());
        assert!(
            ClientRateLimit::new(&RateLimitSettings {
                per_minute: 0,
                burst: 5,
                trusted_proxies: vec![]
            })
            .is_none()
        );
    }
}
