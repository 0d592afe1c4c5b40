//! An emulator of WeChat's servers, for tests and offline development.
//!
//! It serves the three APIs [`crate::WeChatClient`] calls, with WeChat's rules
//! (single-use codes that expire, secrets checked, deterministic openids and
//! unionids, a stable access token), plus control endpoints under
//! `/__emulator/` that stand in for the phone (`wx.login`, the
//! `getPhoneNumber` button) and inject faults.
//!
//! WeChat APIs (answer like WeChat: HTTP 200, errors as `{"errcode","errmsg"}`
//! with `, rid: …` appended; jscode2session labels its JSON `text/plain`):
//! - `GET  /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`
//! - `POST /cgi-bin/stable_token` `{"grant_type":"client_credential","appid","secret","force_refresh"}`
//! - `POST /wxa/business/getuserphonenumber?access_token=` `{"code","openid"?}`
//! - `GET  /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`
//!   (website and Official Account codes; `is_snapshotuser: 1` for snapshot users)
//! - `GET  /sns/oauth2/refresh_token?appid&grant_type=refresh_token&refresh_token` (30 days)
//! - `GET  /sns/userinfo?access_token&openid` (48001 for an `snsapi_base` token)
//! - `POST /wxa/getwxacodeunlimit?access_token=` `{"scene","page"?,"width"?…}` → a PNG
//!   carrying its scene (see [`scene_of`])
//!
//! Browser pages (the Open Platform's `open.weixin.qq.com`): `GET /connect/qrconnect` and
//! `GET /connect/oauth2/authorize`, where a test scans or agrees as a named person (see
//! the `pages` module).
//!
//! Control endpoints (JSON in and out; errors are HTTP 400/404/409 `{"error"}`):
//! - `POST /__emulator/login` `{"appid","user"}` → `{"code"}`
//! - `POST /__emulator/phone-code` `{"appid","user","phone"}` → `{"code"}`
//! - `POST /__emulator/encrypted-data` `{"appid","user","data":{…}}` →
//!   `{"encryptedData","iv","rawData","signature"}`
//! - `POST /__emulator/faults` `{"mode","count"?,"delay_ms"?}` → `{"ok":true}`
//! - `POST /__emulator/web-code` `{"appid","user","scope","snapshot"?}` → `{"code"}`
//! - `GET  /__emulator/wxacodes` → `[{"appid","scene","page"}]`
//! - `GET  /__emulator/stats` → `{"jscode2session_calls","stable_token_calls","stable_token_minted","phone_calls",…}`
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use ferrodoor_wechat::emulator::{EmulatorConfig, spawn};
//! let config = EmulatorConfig::with_apps(vec!["wxapp:secret:unionid".parse().unwrap()]);
//! let (addr, emulator) = spawn(config).await?;
//! let code = emulator.login_code("wxapp", "alice").unwrap();
//! # let _ = (addr, code); Ok(()) }
//! ```

mod faults;
mod handlers;
mod open_platform;
mod pages;
mod png;
mod world;

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Map, Value};

pub use faults::{DEFAULT_SLOW_DELAY, Fault, FaultMode};
pub use open_platform::{WebScope, WxaCode, unionid_in};
pub use png::scene_of;
pub use world::{openid_for, unionid_for};

use faults::FaultSlot;
use world::World;

/// One mini program the emulator knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatedApp {
    pub appid: String,
    pub secret: String,
    /// Bound to an Open Platform account: code2Session then returns a unionid.
    pub unionid_bound: bool,
    /// Which Open Platform account (when bound): one person has one unionid across the
    /// apps of one account. [`DEFAULT_PLATFORM`] unless the spec names another.
    pub platform: String,
}

/// The Open Platform account of `appid:secret:unionid` apps.
pub const DEFAULT_PLATFORM: &str = "default";

/// Why an `appid:secret[:unionid]` app spec did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "app spec {0:?}: expected \"appid:secret\", \"appid:secret:unionid\" or \"appid:secret:unionid=<account>\""
)]
pub struct ParseAppError(String);

impl FromStr for EmulatedApp {
    type Err = ParseAppError;

    /// Parses `appid:secret`, `appid:secret:unionid` or `appid:secret:unionid=<account>`
    /// (bound to the named Open Platform account), a CLI-friendly form.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = spec.split(':').collect();
        let (appid, secret, platform) = match parts.as_slice() {
            [appid, secret] => (*appid, *secret, None),
            [appid, secret, "unionid"] => (*appid, *secret, Some(DEFAULT_PLATFORM)),
            [appid, secret, bound] => match bound.strip_prefix("unionid=") {
                Some(account) if !account.is_empty() => (*appid, *secret, Some(account)),
                _ => return Err(ParseAppError(spec.to_owned())),
            },
            _ => return Err(ParseAppError(spec.to_owned())),
        };
        if appid.is_empty() || secret.is_empty() {
            return Err(ParseAppError(spec.to_owned()));
        }
        Ok(EmulatedApp {
            appid: appid.to_owned(),
            secret: secret.to_owned(),
            unionid_bound: platform.is_some(),
            platform: platform.unwrap_or(DEFAULT_PLATFORM).to_owned(),
        })
    }
}

/// What the emulator knows at start.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub apps: Vec<EmulatedApp>,
    /// How long login and phone codes stay valid (WeChat: five minutes).
    pub code_ttl: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            apps: Vec::new(),
            code_ttl: Duration::from_secs(300),
        }
    }
}

impl EmulatorConfig {
    /// These apps, with WeChat's five-minute code lifetime.
    pub fn with_apps(apps: Vec<EmulatedApp>) -> Self {
        EmulatorConfig {
            apps,
            ..Self::default()
        }
    }
}

/// Counters of the WeChat API requests received (including faulted ones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub jscode2session_calls: u64,
    pub stable_token_calls: u64,
    /// Distinct access tokens created; stays at 1 while callers reuse the stable token.
    pub stable_token_minted: u64,
    pub phone_calls: u64,
    /// `sns/oauth2/access_token` and `sns/oauth2/refresh_token`.
    pub web_token_calls: u64,
    pub web_userinfo_calls: u64,
    pub wxa_code_calls: u64,
}

/// `encryptedData` as the phone would send it to the server, JSON field names
/// as in `wx.getUserInfo` / the old `getPhoneNumber` callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptedData {
    pub encrypted_data: String,
    pub iv: String,
    /// The data without its watermark, as signed.
    pub raw_data: String,
    /// `sha1(rawData + session_key)`.
    pub signature: String,
}

/// A control request the emulator refused (HTTP 404, 400 or 409).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("unknown appid {0:?}")]
    UnknownApp(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NoSession(&'static str),
}

/// A running emulator's state. Cheap to clone; clones share the state.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

struct Shared {
    world: World,
    faults: FaultSlot,
    /// Added to the real clock, so tests can expire codes and tokens at once.
    clock_offset: Duration,
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Self {
        Emulator {
            shared: Arc::new(Mutex::new(Shared {
                world: World::new(&config.apps, config.code_ttl),
                faults: FaultSlot::default(),
                clock_offset: Duration::ZERO,
            })),
        }
    }

    /// The WeChat API and control routes, to serve or to nest in another router.
    pub fn router(&self) -> axum::Router {
        handlers::router(self.clone())
    }

    /// Serves the emulator on `listener` until the task is dropped.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// What `wx.login` would give the phone of `user` in `appid`.
    pub fn login_code(&self, appid: &str, user: &str) -> Result<String, ControlError> {
        let mut shared = self.lock();
        let now = shared.now();
        shared.world.issue_login_code(now, appid, user)
    }

    /// What the `getPhoneNumber` button would give the phone of `user`, whose
    /// number is `phone` (`"+86 13800138000"` or `"13800138000"`).
    pub fn phone_code(&self, appid: &str, user: &str, phone: &str) -> Result<String, ControlError> {
        let mut shared = self.lock();
        let now = shared.now();
        shared.world.issue_phone_code(now, appid, user, phone)
    }

    /// `data` encrypted with the user's latest session key, as the phone would
    /// receive it from `wx.getUserInfo` or the old `getPhoneNumber` flow.
    pub fn encrypted_data(
        &self,
        appid: &str,
        user: &str,
        data: Map<String, Value>,
    ) -> Result<EncryptedData, ControlError> {
        let shared = self.lock();
        shared
            .world
            .encrypted_data(shared.unix_now(), appid, user, data)
    }

    /// What the phone's consent on a website QR or Official Account page gives `user`: a
    /// single-use code for `sns/oauth2/access_token`.
    pub fn web_code(
        &self,
        appid: &str,
        user: &str,
        scope: WebScope,
        snapshot: bool,
    ) -> Result<String, ControlError> {
        let mut shared = self.lock();
        let now = shared.now();
        shared
            .world
            .issue_web_code(now, appid, user, scope, snapshot)
    }

    /// The mini-program codes `getwxacodeunlimit` made, oldest first (the last 64).
    pub fn wxa_codes(&self) -> Vec<WxaCode> {
        self.lock().world.open.wxa_codes.clone()
    }

    /// Arms a fault for the following WeChat API requests.
    pub fn set_fault(&self, fault: Fault) {
        self.lock().faults.set(fault);
    }

    pub fn stats(&self) -> Stats {
        self.lock().world.stats
    }

    /// Moves the emulator's clock forward (code and token expiry, watermarks).
    pub fn advance_clock(&self, by: Duration) {
        self.lock().clock_offset += by;
    }

    /// The session key of the user's latest code exchange, if any.
    pub fn session_key(&self, appid: &str, openid: &str) -> Option<String> {
        self.lock()
            .world
            .session_key(appid, openid)
            .map(str::to_owned)
    }

    /// Locks the state; a handler that panicked must not take every later
    /// request down with it, so a poisoned lock is still used.
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Shared {
    fn now(&self) -> Instant {
        Instant::now() + self.clock_offset
    }

    fn unix_now(&self) -> i64 {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + self.clock_offset;
        i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX)
    }
}

/// Serves an emulator with `config` on `listener`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: EmulatorConfig,
) -> std::io::Result<()> {
    Emulator::new(config).serve(listener).await
}

/// Starts an emulator on `127.0.0.1:<free port>` in a background task (for
/// tests); it stops with the Tokio runtime.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<(SocketAddr, Emulator)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let emulator = Emulator::new(config);
    tokio::spawn(emulator.clone().serve(listener));
    Ok((addr, emulator))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_specs_parse() {
        assert_eq!(
            "wx1:s1".parse::<EmulatedApp>().unwrap(),
            EmulatedApp {
                appid: "wx1".into(),
                secret: "s1".into(),
                unionid_bound: false,
                platform: DEFAULT_PLATFORM.into(),
            }
        );
        let other: EmulatedApp = "wx2:s2:unionid=acme".parse().unwrap();
        assert!(other.unionid_bound);
        assert_eq!(other.platform, "acme");
        assert!(
            "wx1:s1:unionid"
                .parse::<EmulatedApp>()
                .unwrap()
                .unionid_bound
        );
        for bad in [
            "wx1",
            "wx1:",
            ":s1",
            "wx1:s1:yes",
            "a:b:unionid:c",
            "a:b:unionid=",
            "",
        ] {
            assert!(bad.parse::<EmulatedApp>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn ids_are_deterministic_and_shaped_like_wechat() {
        let openid = openid_for("wx1", "alice");
        assert_eq!(openid, openid_for("wx1", "alice"));
        assert_ne!(openid, openid_for("wx2", "alice"));
        assert_ne!(openid, openid_for("wx1", "bob"));
        assert_eq!(openid.len(), 28);
        assert!(openid.starts_with('o'));
        let unionid = unionid_for("alice");
        assert_eq!(unionid.len(), 28);
        assert!(unionid.starts_with('u'));
        assert_ne!(unionid, unionid_for("bob"));
    }
}
