//! The emulated Open Platform: web sign-in codes (website QR `qrconnect` and the Official
//! Account's `oauth2/authorize`), their `sns/oauth2` access and refresh tokens,
//! `sns/userinfo`, and the mini-program codes of `wxa/getwxacodeunlimit`. Pure state, the
//! time passed in, like [`super::world`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};

use super::world::{Rejection, Sweep, openid_for, random_bytes, rejection};
use super::{ControlError, EmulatedApp};

/// `sns/oauth2` access tokens live two hours, refresh tokens 30 days (not renewable).
const SNS_TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
const REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// Codes of `wxa/getwxacodeunlimit` remembered for `/__emulator/wxacodes`.
const MAX_REMEMBERED_WXA_CODES: usize = 64;

/// The scopes of the web sign-in pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebScope {
    /// `qrconnect` (website application).
    Login,
    /// Official Account, silent: the openid only.
    Base,
    /// Official Account with consent: `sns/userinfo` and the unionid.
    UserInfo,
}

impl WebScope {
    pub fn parse(scope: &str) -> Option<Self> {
        match scope {
            "snsapi_login" => Some(WebScope::Login),
            "snsapi_base" => Some(WebScope::Base),
            "snsapi_userinfo" => Some(WebScope::UserInfo),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WebScope::Login => "snsapi_login",
            WebScope::Base => "snsapi_base",
            WebScope::UserInfo => "snsapi_userinfo",
        }
    }
}

struct WebCode {
    appid: String,
    user: String,
    scope: WebScope,
    /// A "snapshot page" virtual user: fake openid, no unionid, `is_snapshotuser: 1`.
    snapshot: bool,
    issued_at: Instant,
    used: bool,
}

#[derive(Clone)]
struct Grant {
    appid: String,
    user: String,
    scope: WebScope,
    snapshot: bool,
}

struct Issued {
    grant: Grant,
    expires_at: Instant,
}

/// A mini-program code made by `wxa/getwxacodeunlimit`, as the emulator remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WxaCode {
    pub appid: String,
    pub scene: String,
    pub page: String,
}

#[derive(Default)]
pub(super) struct OpenPlatform {
    codes: HashMap<String, WebCode>,
    code_sweep: Sweep,
    access_tokens: HashMap<String, Issued>,
    access_token_sweep: Sweep,
    refresh_tokens: HashMap<String, Issued>,
    pub(super) wxa_codes: Vec<WxaCode>,
}

/// The unionid of `user` in the Open Platform account `platform`: one person has one
/// unionid across the apps of one account, and different ones across accounts.
pub fn unionid_in(platform: &str, user: &str) -> String {
    if platform == super::DEFAULT_PLATFORM {
        super::world::unionid_for(user)
    } else {
        super::world::derived_id('u', &format!("unionid|{platform}|{user}"))
    }
}

/// A snapshot-page user's openid: shaped like a real one, belonging to nobody.
fn snapshot_openid(appid: &str, user: &str) -> String {
    super::world::derived_id('o', &format!("snapshot|{appid}|{user}"))
}

impl Grant {
    fn openid(&self) -> String {
        if self.snapshot {
            snapshot_openid(&self.appid, &self.user)
        } else {
            openid_for(&self.appid, &self.user)
        }
    }

    /// WeChat gives the unionid of a bound app, except to snapshot users and to a silent
    /// Official Account sign-in.
    fn unionid(&self, app: &EmulatedApp) -> Option<String> {
        let shown = app.unionid_bound && !self.snapshot && self.scope != WebScope::Base;
        shown.then(|| unionid_in(&app.platform, &self.user))
    }
}

impl OpenPlatform {
    /// What the phone's consent on a sign-in page gives: a single-use code.
    pub(super) fn issue_code(
        &mut self,
        now: Instant,
        ttl: Duration,
        app: &EmulatedApp,
        user: &str,
        scope: WebScope,
        snapshot: bool,
    ) -> Result<String, ControlError> {
        if user.is_empty() {
            return Err(ControlError::BadRequest("user must not be empty".into()));
        }
        if self.code_sweep.due(now, ttl) {
            self.codes.retain(|_, c| now < c.issued_at + ttl * 2);
        }
        let code = URL_SAFE_NO_PAD.encode(random_bytes::<24>());
        self.codes.insert(
            code.clone(),
            WebCode {
                appid: app.appid.clone(),
                user: user.to_owned(),
                scope,
                snapshot,
                issued_at: now,
                used: false,
            },
        );
        Ok(code)
    }

    /// `GET /sns/oauth2/access_token` once the app's secret is checked.
    pub(super) fn exchange_code(
        &mut self,
        now: Instant,
        ttl: Duration,
        app: &EmulatedApp,
        code: &str,
    ) -> Result<Value, Rejection> {
        let issued = match self.codes.get_mut(code) {
            Some(c) if c.appid == app.appid && now < c.issued_at + ttl => c,
            _ => return Err(rejection(40029, "invalid code")),
        };
        if issued.used {
            return Err(rejection(40163, "code been used"));
        }
        issued.used = true;
        let grant = Grant {
            appid: issued.appid.clone(),
            user: issued.user.clone(),
            scope: issued.scope,
            snapshot: issued.snapshot,
        };
        let refresh_token = URL_SAFE_NO_PAD.encode(random_bytes::<48>());
        self.refresh_tokens.insert(
            refresh_token.clone(),
            Issued {
                grant: grant.clone(),
                expires_at: now + REFRESH_TOKEN_LIFETIME,
            },
        );
        let mut answer = self.token_answer(now, app, grant);
        answer["refresh_token"] = json!(refresh_token);
        Ok(answer)
    }

    /// `GET /sns/oauth2/refresh_token`: a new access token; the refresh token stays.
    pub(super) fn refresh(
        &mut self,
        now: Instant,
        app: &EmulatedApp,
        refresh_token: &str,
    ) -> Result<Value, Rejection> {
        let grant = match self.refresh_tokens.get(refresh_token) {
            Some(r) if r.grant.appid != app.appid => {
                return Err(rejection(40030, "invalid refresh_token"));
            }
            Some(r) if now >= r.expires_at => {
                return Err(rejection(42002, "refresh_token expired"));
            }
            Some(r) => r.grant.clone(),
            None => return Err(rejection(40030, "invalid refresh_token")),
        };
        let mut answer = self.token_answer(now, app, grant);
        answer["refresh_token"] = json!(refresh_token);
        Ok(answer)
    }

    fn token_answer(&mut self, now: Instant, app: &EmulatedApp, grant: Grant) -> Value {
        let access_token = URL_SAFE_NO_PAD.encode(random_bytes::<48>());
        let mut answer = json!({
            "access_token": access_token,
            "expires_in": SNS_TOKEN_LIFETIME.as_secs(),
            "openid": grant.openid(),
            "scope": grant.scope.as_str(),
        });
        if let Some(unionid) = grant.unionid(app) {
            answer["unionid"] = json!(unionid);
        }
        if grant.snapshot {
            answer["is_snapshotuser"] = json!(1);
        }
        if self.access_token_sweep.due(now, SNS_TOKEN_LIFETIME) {
            self.access_tokens.retain(|_, t| now < t.expires_at);
        }
        self.access_tokens.insert(
            access_token,
            Issued {
                grant,
                expires_at: now + SNS_TOKEN_LIFETIME,
            },
        );
        answer
    }

    /// `GET /sns/userinfo`.
    pub(super) fn user_info(
        &self,
        now: Instant,
        apps: &HashMap<String, EmulatedApp>,
        access_token: &str,
        openid: &str,
    ) -> Result<Value, Rejection> {
        let issued = self.access_tokens.get(access_token).ok_or(rejection(
            40001,
            "invalid credential, access_token is invalid",
        ))?;
        if now >= issued.expires_at {
            return Err(rejection(42001, "access_token expired"));
        }
        let grant = &issued.grant;
        if grant.scope == WebScope::Base {
            return Err(rejection(48001, "api unauthorized"));
        }
        if grant.openid() != openid {
            return Err(rejection(40003, "invalid openid"));
        }
        let app = apps
            .get(&grant.appid)
            .ok_or(rejection(40013, "invalid appid"))?;
        let mut answer = json!({
            "openid": openid,
            "nickname": grant.user,
            "sex": 0,
            "province": "",
            "city": "",
            "country": "",
            "headimgurl": format!("https://thirdwx.qlogo.cn/mmopen/emulated/{openid}/132"),
            "privilege": [],
        });
        if let Some(unionid) = grant.unionid(app) {
            answer["unionid"] = json!(unionid);
        }
        Ok(answer)
    }

    /// Remembers a code `wxa/getwxacodeunlimit` made.
    pub(super) fn remember_wxa_code(&mut self, code: WxaCode) {
        if self.wxa_codes.len() >= MAX_REMEMBERED_WXA_CODES {
            self.wxa_codes.remove(0);
        }
        self.wxa_codes.push(code);
    }
}

/// WeChat's rule for `scene`: 1–32 visible characters of `[0-9A-Za-z!#$&'()*+,/:;=?@-._~]`.
pub(super) fn valid_scene(scene: &str) -> bool {
    (1..=32).contains(&scene.len())
        && scene
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$&'()*+,/:;=?@-._~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_follow_wechats_rule() {
        assert!(valid_scene("abcDEF012-_.~"));
        assert!(valid_scene(&"a".repeat(32)));
        for bad in ["", &"a".repeat(33), "a b", "é", "a%20"] {
            assert!(!valid_scene(bad), "{bad:?}");
        }
    }

    #[test]
    fn unionids_are_per_open_platform_account() {
        assert_eq!(
            unionid_in(super::super::DEFAULT_PLATFORM, "alice"),
            super::super::world::unionid_for("alice")
        );
        assert_ne!(unionid_in("other", "alice"), unionid_in("default", "alice"));
        assert_eq!(unionid_in("other", "alice"), unionid_in("other", "alice"));
    }
}
