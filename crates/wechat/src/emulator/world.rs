//! The emulated WeChat backend: apps, login and phone codes, session keys and
//! access tokens, with WeChat's rules for each. Pure state; the time is passed
//! in, so expiry is testable without sleeping.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};

use super::open_platform::{OpenPlatform, WebScope, WxaCode, valid_scene};
use super::{ControlError, EmulatedApp, EncryptedData, Stats};
use crate::crypto;

/// WeChat's access token lifetime.
const TOKEN_LIFETIME: Duration = Duration::from_secs(7200);
/// WeChat renews a stable token this long before it expires, so callers
/// always get at least this much time.
const TOKEN_RENEW_MARGIN: Duration = Duration::from_secs(300);

/// A WeChat API rejection: `errcode` and the `errmsg` before `, rid: …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub errcode: i64,
    pub errmsg: &'static str,
}

pub(super) fn rejection(errcode: i64, errmsg: &'static str) -> Rejection {
    Rejection { errcode, errmsg }
}

fn reject<T>(errcode: i64, errmsg: &'static str) -> Result<T, Rejection> {
    Err(rejection(errcode, errmsg))
}

struct IssuedCode {
    appid: String,
    user: String,
    issued_at: Instant,
    used: bool,
    /// `(country code, national number)`; only for phone codes.
    phone: Option<(String, String)>,
}

struct IssuedToken {
    appid: String,
    expires_at: Instant,
}

/// When expired entries were last dropped from a map: at most once per period, since a
/// sweep visits every entry, and sweeping at every issue made issuing cost as much as the
/// codes issued in the last minutes (a quarter of the emulator's CPU under a load test).
/// Redemption checks expiry itself, so an entry a sweep has not reached yet is refused as
/// it would be once gone.
#[derive(Default)]
pub(super) struct Sweep(Option<Instant>);

impl Sweep {
    /// Whether to sweep now, at most once per `period`.
    pub(super) fn due(&mut self, now: Instant, period: Duration) -> bool {
        let due = self.0.is_none_or(|last| now >= last + period);
        if due {
            self.0 = Some(now);
        }
        due
    }
}

pub(super) struct World {
    apps: HashMap<String, EmulatedApp>,
    code_ttl: Duration,
    login_codes: HashMap<String, IssuedCode>,
    login_sweep: Sweep,
    phone_codes: HashMap<String, IssuedCode>,
    phone_sweep: Sweep,
    /// Latest session key per `(appid, openid)`; each exchange replaces it.
    session_keys: HashMap<(String, String), String>,
    tokens: HashMap<String, IssuedToken>,
    /// The token `stable_token` hands out per appid.
    current_token: HashMap<String, String>,
    pub(super) open: OpenPlatform,
    pub(super) stats: Stats,
}

impl World {
    pub(super) fn new(apps: &[EmulatedApp], code_ttl: Duration) -> Self {
        World {
            apps: apps
                .iter()
                .map(|app| (app.appid.clone(), app.clone()))
                .collect(),
            code_ttl,
            login_codes: HashMap::new(),
            login_sweep: Sweep::default(),
            phone_codes: HashMap::new(),
            phone_sweep: Sweep::default(),
            session_keys: HashMap::new(),
            tokens: HashMap::new(),
            current_token: HashMap::new(),
            open: OpenPlatform::default(),
            stats: Stats::default(),
        }
    }

    /// `GET /sns/jscode2session`.
    pub(super) fn code_to_session(
        &mut self,
        now: Instant,
        query: &HashMap<String, String>,
    ) -> Result<Value, Rejection> {
        let field = |name: &str| query_field(query, name);
        let appid = field("appid").ok_or(rejection(41002, "appid missing"))?;
        let secret = field("secret").ok_or(rejection(41004, "appsecret missing"))?;
        let code = field("js_code").ok_or(rejection(41008, "missing code"))?;
        if field("grant_type") != Some("authorization_code") {
            return reject(40002, "invalid grant_type");
        }
        let app = self.authenticate(appid, secret)?.clone();
        let ttl = self.code_ttl;
        let issued = match self.login_codes.get_mut(code) {
            Some(issued) if issued.appid == appid && now < issued.issued_at + ttl => issued,
            _ => return reject(40029, "invalid code"),
        };
        if issued.used {
            return reject(40163, "code been used");
        }
        issued.used = true;
        let openid = openid_for(appid, &issued.user);
        let unionid = unionid_for(&issued.user);
        let session_key = STANDARD.encode(random_bytes::<16>());
        self.session_keys
            .insert((appid.to_owned(), openid.clone()), session_key.clone());
        let mut answer = json!({ "session_key": session_key, "openid": openid });
        if app.unionid_bound {
            answer["unionid"] = json!(unionid);
        }
        Ok(answer)
    }

    /// `POST /cgi-bin/stable_token`.
    pub(super) fn stable_token(&mut self, now: Instant, body: &[u8]) -> Result<Value, Rejection> {
        let request = json_object(body)?;
        let text = |name: &str| {
            request
                .get(name)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
        };
        if text("grant_type") != Some("client_credential") {
            return reject(40002, "invalid grant_type");
        }
        let appid = text("appid").ok_or(rejection(41002, "appid missing"))?;
        let secret = text("secret").ok_or(rejection(41004, "appsecret missing"))?;
        let force_refresh = match request.get("force_refresh") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return reject(47001, "data format error"),
        };
        self.authenticate(appid, secret)?;
        let reusable = self
            .current_token
            .get(appid)
            .and_then(|token| Some((token, self.tokens.get(token)?)))
            .filter(|(_, issued)| now + TOKEN_RENEW_MARGIN <= issued.expires_at);
        if let (false, Some((token, issued))) = (force_refresh, reusable) {
            let left = issued.expires_at.saturating_duration_since(now);
            return Ok(json!({ "access_token": token, "expires_in": left.as_secs() }));
        }
        // Forcing invalidates the app's older tokens at once. Expired tokens
        // are kept (one per app every ~2 h) so they keep answering 42001.
        if force_refresh {
            self.tokens.retain(|_, issued| issued.appid != appid);
        }
        let token = URL_SAFE_NO_PAD.encode(random_bytes::<96>());
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                appid: appid.to_owned(),
                expires_at: now + TOKEN_LIFETIME,
            },
        );
        self.current_token.insert(appid.to_owned(), token.clone());
        self.stats.stable_token_minted += 1;
        Ok(json!({ "access_token": token, "expires_in": TOKEN_LIFETIME.as_secs() }))
    }

    /// `POST /wxa/business/getuserphonenumber`.
    pub(super) fn phone_number(
        &mut self,
        now: Instant,
        unix_now: i64,
        access_token: Option<&str>,
        body: &[u8],
    ) -> Result<Value, Rejection> {
        let appid = self.token_app(now, access_token)?;
        let request = json_object(body)?;
        let code = request
            .get("code")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .ok_or(rejection(41008, "missing code"))?;
        let ttl = self.code_ttl;
        let issued = match self.phone_codes.get_mut(code) {
            Some(issued)
                if issued.appid == appid && !issued.used && now < issued.issued_at + ttl =>
            {
                issued
            }
            _ => return reject(40029, "invalid code"),
        };
        if let Some(openid) = request.get("openid").and_then(Value::as_str)
            && openid != openid_for(&appid, &issued.user)
        {
            return reject(40003, "invalid openid");
        }
        issued.used = true;
        let (country_code, national) = issued.phone.clone().unwrap_or_default();
        Ok(json!({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": display_number(&country_code, &national),
                "purePhoneNumber": national,
                "countryCode": country_code.parse::<u32>().unwrap_or(86),
                "watermark": { "timestamp": unix_now, "appid": appid },
            }
        }))
    }

    /// `GET /sns/oauth2/access_token` (website and Official Account sign-in).
    pub(super) fn web_access_token(
        &mut self,
        now: Instant,
        query: &HashMap<String, String>,
    ) -> Result<Value, Rejection> {
        let field = |name: &str| query_field(query, name);
        let appid = field("appid").ok_or(rejection(41002, "appid missing"))?;
        let secret = field("secret").ok_or(rejection(41004, "appsecret missing"))?;
        let code = field("code").ok_or(rejection(41008, "missing code"))?;
        if field("grant_type") != Some("authorization_code") {
            return reject(40002, "invalid grant_type");
        }
        let app = self.authenticate(appid, secret)?.clone();
        self.open.exchange_code(now, self.code_ttl, &app, code)
    }

    /// `GET /sns/oauth2/refresh_token` (no secret: WeChat's API).
    pub(super) fn web_refresh_token(
        &mut self,
        now: Instant,
        query: &HashMap<String, String>,
    ) -> Result<Value, Rejection> {
        let field = |name: &str| query_field(query, name);
        let appid = field("appid").ok_or(rejection(41002, "appid missing"))?;
        let refresh_token =
            field("refresh_token").ok_or(rejection(41003, "refresh_token missing"))?;
        if field("grant_type") != Some("refresh_token") {
            return reject(40002, "invalid grant_type");
        }
        let app = self
            .apps
            .get(appid)
            .ok_or(rejection(40013, "invalid appid"))?
            .clone();
        self.open.refresh(now, &app, refresh_token)
    }

    /// `GET /sns/userinfo`.
    pub(super) fn web_user_info(
        &self,
        now: Instant,
        query: &HashMap<String, String>,
    ) -> Result<Value, Rejection> {
        let token =
            query_field(query, "access_token").ok_or(rejection(41001, "access_token missing"))?;
        let openid = query_field(query, "openid").ok_or(rejection(41009, "missing openid"))?;
        self.open.user_info(now, &self.apps, token, openid)
    }

    /// `POST /wxa/getwxacodeunlimit`: the PNG of a mini-program code for `scene`.
    pub(super) fn wxa_code(
        &mut self,
        now: Instant,
        access_token: Option<&str>,
        body: &[u8],
    ) -> Result<Vec<u8>, Rejection> {
        let appid = self.token_app(now, access_token)?;
        let request = json_object(body)?;
        let text = |name: &str| request.get(name).and_then(Value::as_str).unwrap_or("");
        let scene = text("scene");
        if !valid_scene(scene) {
            return reject(
                40169,
                "invalid length for scene, or the data is not json string",
            );
        }
        let page = text("page");
        if page.starts_with('/') || page.contains('?') {
            return reject(41030, "invalid page rid");
        }
        let width = match request.get("width") {
            None | Some(Value::Null) => 430,
            Some(w) => w
                .as_u64()
                .filter(|w| (280..=1280).contains(w))
                .ok_or(rejection(47001, "data format error"))?,
        };
        self.open.remember_wxa_code(WxaCode {
            appid,
            scene: scene.to_owned(),
            page: page.to_owned(),
        });
        Ok(super::png::mini_program_code(scene, width as u32))
    }

    /// What the phone's consent on a sign-in page gives `user`: a single-use code.
    pub(super) fn issue_web_code(
        &mut self,
        now: Instant,
        appid: &str,
        user: &str,
        scope: WebScope,
        snapshot: bool,
    ) -> Result<String, ControlError> {
        let app = self
            .apps
            .get(appid)
            .ok_or_else(|| ControlError::UnknownApp(appid.to_owned()))?
            .clone();
        self.open
            .issue_code(now, self.code_ttl, &app, user, scope, snapshot)
    }

    pub(super) fn knows_app(&self, appid: &str) -> bool {
        self.apps.contains_key(appid)
    }

    /// The app an access token of `stable_token` belongs to.
    fn token_app(&self, now: Instant, access_token: Option<&str>) -> Result<String, Rejection> {
        let token = access_token
            .filter(|t| !t.is_empty())
            .ok_or(rejection(41001, "access_token missing"))?;
        match self.tokens.get(token) {
            None => reject(
                40001,
                "invalid credential, access_token is invalid or not latest",
            ),
            Some(issued) if now >= issued.expires_at => reject(42001, "access_token expired"),
            Some(issued) => Ok(issued.appid.clone()),
        }
    }

    /// What `wx.login` gives the phone of `user`: a fresh single-use code.
    pub(super) fn issue_login_code(
        &mut self,
        now: Instant,
        appid: &str,
        user: &str,
    ) -> Result<String, ControlError> {
        self.check_app_and_user(appid, user)?;
        let ttl = self.code_ttl;
        if self.login_sweep.due(now, ttl) {
            self.login_codes.retain(|_, c| now < c.issued_at + ttl * 2);
        }
        let code = URL_SAFE_NO_PAD.encode(random_bytes::<24>());
        self.login_codes
            .insert(code.clone(), issued_code(appid, user, now, None));
        Ok(code)
    }

    /// What the `getPhoneNumber` button gives the phone of `user`.
    pub(super) fn issue_phone_code(
        &mut self,
        now: Instant,
        appid: &str,
        user: &str,
        phone: &str,
    ) -> Result<String, ControlError> {
        self.check_app_and_user(appid, user)?;
        let phone = parse_phone(phone)?;
        let ttl = self.code_ttl;
        if self.phone_sweep.due(now, ttl) {
            self.phone_codes.retain(|_, c| now < c.issued_at + ttl * 2);
        }
        let code = URL_SAFE_NO_PAD.encode(random_bytes::<24>());
        self.phone_codes
            .insert(code.clone(), issued_code(appid, user, now, Some(phone)));
        Ok(code)
    }

    /// Open data the way the phone receives it: `data` plus a watermark,
    /// encrypted with the user's latest session key, and the `rawData` signature.
    pub(super) fn encrypted_data(
        &self,
        unix_now: i64,
        appid: &str,
        user: &str,
        data: Map<String, Value>,
    ) -> Result<EncryptedData, ControlError> {
        self.check_app_and_user(appid, user)?;
        let session_key =
            self.session_key(appid, &openid_for(appid, user))
                .ok_or(ControlError::NoSession(
                    "no session_key yet: exchange a login code first",
                ))?;
        let raw_data = Value::Object(data.clone()).to_string();
        let mut with_watermark = data;
        with_watermark.insert(
            "watermark".into(),
            json!({ "timestamp": unix_now, "appid": appid }),
        );
        let iv = STANDARD.encode(random_bytes::<16>());
        let plaintext = Value::Object(with_watermark).to_string();
        let encrypted_data = crypto::encrypt_data(session_key, &iv, plaintext.as_bytes())
            .map_err(|e| ControlError::BadRequest(e.to_string()))?;
        Ok(EncryptedData {
            signature: crypto::raw_data_signature(&raw_data, session_key),
            raw_data,
            encrypted_data,
            iv,
        })
    }

    pub(super) fn session_key(&self, appid: &str, openid: &str) -> Option<&str> {
        self.session_keys
            .get(&(appid.to_owned(), openid.to_owned()))
            .map(String::as_str)
    }

    fn authenticate(&self, appid: &str, secret: &str) -> Result<&EmulatedApp, Rejection> {
        let app = self
            .apps
            .get(appid)
            .ok_or(rejection(40013, "invalid appid"))?;
        if app.secret != secret {
            return reject(40125, "invalid appsecret");
        }
        Ok(app)
    }

    fn check_app_and_user(&self, appid: &str, user: &str) -> Result<(), ControlError> {
        if !self.apps.contains_key(appid) {
            return Err(ControlError::UnknownApp(appid.to_owned()));
        }
        if user.is_empty() {
            return Err(ControlError::BadRequest("user must not be empty".into()));
        }
        Ok(())
    }
}

/// The openid WeChat would give `user` in `appid`: stable, 28 characters,
/// different per app.
pub fn openid_for(appid: &str, user: &str) -> String {
    derived_id('o', &format!("openid|{appid}|{user}"))
}

/// The unionid of `user`: the same in every app of the Open Platform account.
pub fn unionid_for(user: &str) -> String {
    derived_id('u', &format!("unionid|{user}"))
}

pub(super) fn derived_id(prefix: char, seed: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, seed.as_bytes());
    let mut id = String::from(prefix);
    id.extend(URL_SAFE_NO_PAD.encode(digest.as_ref()).chars().take(27));
    id
}

fn issued_code(
    appid: &str,
    user: &str,
    now: Instant,
    phone: Option<(String, String)>,
) -> IssuedCode {
    IssuedCode {
        appid: appid.to_owned(),
        user: user.to_owned(),
        issued_at: now,
        used: false,
        phone,
    }
}

fn query_field<'a>(query: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    query
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// WeChat accepts a JSON body whatever its Content-Type; anything else is 47001.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, Rejection> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => reject(47001, "data format error"),
    }
}

/// Parses `"+86 13800138000"`, `"+1 2025550123"` or a bare `"13800138000"`
/// (taken as Chinese) into `(country code, national number)`.
pub(super) fn parse_phone(phone: &str) -> Result<(String, String), ControlError> {
    let phone = phone.trim();
    let (country_code, national) = match phone.strip_prefix('+') {
        Some(rest) => rest
            .split_once([' ', '-'])
            .ok_or_else(|| bad_phone(phone))?,
        None => ("86", phone),
    };
    let national: String = national
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let digits = |s: &str, range: std::ops::RangeInclusive<usize>| {
        range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(country_code, 1..=4) || !digits(&national, 5..=15) {
        return Err(bad_phone(phone));
    }
    Ok((country_code.to_owned(), national))
}

fn bad_phone(phone: &str) -> ControlError {
    ControlError::BadRequest(format!(
        "phone {phone:?}: expected \"+86 13800138000\" or \"13800138000\""
    ))
}

/// `phoneNumber` carries the country code only for foreign numbers.
/// UNCERTAIN: the exact format WeChat uses for foreign numbers is undocumented;
/// `+<cc><number>` (E.164) is assumed.
fn display_number(country_code: &str, national: &str) -> String {
    if country_code == "86" {
        national.to_owned()
    } else {
        format!("+{country_code}{national}")
    }
}

pub(super) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Fails only if the OS has no entropy source at all, which no input can
    // cause; handing out all-zero session keys and codes would be worse.
    aws_lc_rs::rand::fill(&mut bytes).expect("the OS random number generator failed");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_is_due_at_most_once_per_period() {
        let start = Instant::now();
        let period = Duration::from_secs(60);
        let mut sweep = Sweep::default();
        assert!(sweep.due(start, period), "the first issue sweeps");
        assert!(!sweep.due(start + Duration::from_secs(59), period));
        assert!(sweep.due(start + period, period));
        assert!(!sweep.due(start + period + Duration::from_secs(1), period));
    }

    #[test]
    fn a_code_past_its_lifetime_is_refused_before_any_sweep_drops_it() {
        let app: EmulatedApp = "wxapp:secret".parse().expect("an app spec");
        let mut world = World::new(std::slice::from_ref(&app), Duration::from_secs(300));
        let issued_at = Instant::now();
        let code = world
            .issue_login_code(issued_at, "wxapp", "alice")
            .expect("a code");
        let query: HashMap<String, String> = [
            ("appid", "wxapp"),
            ("secret", "secret"),
            ("js_code", code.as_str()),
            ("grant_type", "authorization_code"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let late = issued_at + Duration::from_secs(301);
        let refused = world.code_to_session(late, &query);
        assert!(refused.is_err(), "an expired code is refused");
    }
}
