//! WeChat Mini Program login: `wx.login()` code in, access token out.
//!
//! Differences from Casdoor, on purpose: the code is claimed before it is exchanged, so it
//! reaches WeChat at most once even when it arrives twice at once (on any node); the
//! `session_key` never leaves the server; concurrent first logins of one person create one
//! user (unique identity key + retry); a nickname or avatar sent on a later login updates
//! the profile; errors carry real HTTP statuses.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::Core;
use super::audit::Event;
use super::grants::{PendingToken, TokenParams, TokenResponse, WECHAT_MINIPROGRAM_TAG};
use crate::clock::Now;
use crate::entity::{Application, IdentityEvent, Organization, Provider, User, WeChatIdentity};
use crate::error::{Error, OAuthErrorCode as Code, Result, UpstreamFailure};
use crate::seal::Secret;
use crate::store::{StoreError, WeChatLookup};
use crate::token::hash_secret;

/// What `jscode2session` tells about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatSession {
    pub openid: String,
    pub unionid: Option<String>,
    /// Kept sealed on the identity (to decrypt the mini program's `encryptedData`); it
    /// never leaves the server.
    pub session_key: Option<Secret>,
}

/// Why WeChat did not give a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeChatFailure {
    /// 40029: unknown or expired code.
    InvalidCode(String),
    /// 40163: WeChat saw this code before.
    CodeUsed(String),
    /// 40226: WeChat blocks this user (high risk).
    Blocked(String),
    /// 45011.
    RateLimited(String),
    /// -1.
    Busy(String),
    /// 40013/40125/40001…: the provider's AppID or AppSecret is wrong.
    BadCredentials(String),
    Timeout,
    /// Unreachable, dropped connection, HTTP error, unreadable answer.
    Unavailable(String),
}

impl WeChatFailure {
    /// Whether WeChat certainly did not consume the code (so it may be tried again).
    fn code_untouched(&self) -> bool {
        matches!(
            self,
            WeChatFailure::Busy(_)
                | WeChatFailure::RateLimited(_)
                | WeChatFailure::BadCredentials(_)
                | WeChatFailure::Unavailable(_)
        )
    }

    pub(crate) fn into_error(self) -> Error {
        let upstream = |failure, message: String| Error::Upstream { failure, message };
        match self {
            WeChatFailure::InvalidCode(m) => Error::oauth(
                Code::InvalidGrant,
                format!("WeChat rejected the code (invalid or expired; call wx.login again): {m}"),
            ),
            WeChatFailure::CodeUsed(m) => Error::oauth(
                Code::InvalidGrant,
                format!("WeChat says this code was already used; call wx.login again: {m}"),
            ),
            WeChatFailure::Blocked(m) => Error::oauth(
                Code::AccessDenied,
                format!("WeChat blocked this user's login (40226): {m}"),
            ),
            WeChatFailure::RateLimited(m) => upstream(
                UpstreamFailure::RateLimited,
                format!("WeChat rate limit reached (45011), retry later: {m}"),
            ),
            WeChatFailure::Busy(m) => upstream(
                UpstreamFailure::Busy,
                format!("WeChat is busy (-1), retry later: {m}"),
            ),
            WeChatFailure::BadCredentials(m) => upstream(
                UpstreamFailure::BadGateway,
                format!(
                    "WeChat refused the provider's AppID/AppSecret; check the provider configuration: {m}"
                ),
            ),
            WeChatFailure::Timeout => upstream(
                UpstreamFailure::Timeout,
                "WeChat did not answer in time".into(),
            ),
            WeChatFailure::Unavailable(m) => upstream(
                UpstreamFailure::BadGateway,
                format!("WeChat could not be reached: {m}"),
            ),
        }
    }
}

/// A phone number WeChat verified (`getuserphonenumber`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatPhone {
    /// Without country code, e.g. `13800138000`.
    pub pure_phone_number: String,
    /// E.g. `86`.
    pub country_code: String,
}

/// The port to WeChat's servers (implemented over HTTP by the server binary).
#[async_trait]
pub trait WeChatGateway: Send + Sync + 'static {
    async fn code_to_session(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<WeChatSession, WeChatFailure>;
    /// Decrypts `encryptedData` (AES-128-CBC with the session key) and checks that its
    /// watermark names `appid`. The error says what failed, without secrets.
    fn decrypt_data(
        &self,
        session_key: &str,
        iv: &str,
        encrypted_data: &str,
        appid: &str,
    ) -> Result<serde_json::Value, String>;
    /// Whether `signature` is sha1(rawData + session_key), compared in constant time.
    fn raw_data_signature_valid(&self, raw_data: &str, session_key: &str, signature: &str) -> bool;
    /// Exchanges a `getPhoneNumber` code; `openid` makes WeChat check that the code is
    /// that user's.
    async fn phone_number(
        &self,
        appid: &str,
        secret: &str,
        phone_code: &str,
        openid: &str,
    ) -> Result<WeChatPhone, WeChatFailure>;
    /// `sns/oauth2/access_token`: the code of a website QR or Official Account sign-in.
    async fn web_access_token(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<super::wechat_web::WeChatWebGrant, WeChatFailure>;
    /// `sns/userinfo` with the web access token.
    async fn web_profile(
        &self,
        access_token: &str,
        openid: &str,
    ) -> Result<super::wechat_web::WeChatProfile, WeChatFailure>;
    /// `wxa/getwxacodeunlimit`: the picture of the mini program's code for `scene`
    /// (the access token from the shared cache).
    async fn mini_program_code(
        &self,
        appid: &str,
        secret: &str,
        scene: &str,
        page: &str,
    ) -> Result<Vec<u8>, WeChatFailure>;
}

/// How long WeChat honours a `wx.login` code; a claim need not outlive it.
const CODE_LIFETIME_SECONDS: i64 = 300;
/// Attempts of the login transaction when concurrent first logins collide.
const LOGIN_ATTEMPTS: usize = 5;
const MAX_PROFILE_FIELD: usize = 1024;
/// The scope of a mini-program login's token.
pub(super) const LOGIN_SCOPE: &str = "openid profile";

/// The mini-program login's own parameters, checked before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiniProgramLogin<'a> {
    /// The `wx.login` code (its format is checked when it is exchanged).
    pub code: &'a str,
    pub nickname: Option<&'a str>,
    pub avatar: Option<&'a str>,
    /// Empty when no phone number is asked for.
    pub phone_code: &'a str,
}

impl<'a> MiniProgramLogin<'a> {
    pub fn from_params(params: &'a TokenParams) -> Result<Self> {
        if params.code.trim().is_empty() {
            return Err(Error::oauth(
                Code::InvalidRequest,
                "code is required (the code from wx.login)",
            ));
        }
        let nickname = profile_field("username", &params.username)?;
        let avatar = profile_field("avatar", &params.avatar)?;
        let phone_code = params.phone_code.trim();
        if phone_code.len() > 256 {
            return Err(Error::oauth(Code::InvalidRequest, "phone_code is too long"));
        }
        Ok(MiniProgramLogin {
            code: &params.code,
            nickname,
            avatar,
            phone_code,
        })
    }
}

/// One WeChat sign-in (mini program, website or Official Account), once WeChat has said
/// who the person is.
pub(crate) struct LoginInput<'a> {
    pub app: &'a Application,
    pub org: &'a Organization,
    /// The provider item's `canSignUp` / `canSignIn` (Casdoor's fields).
    pub rules: SignInRules,
    pub appid: &'a str,
    pub session: &'a WeChatSession,
    pub nickname: Option<&'a str>,
    pub avatar: Option<&'a str>,
    pub phone: Option<&'a WeChatPhone>,
    /// The identity event's method when no phone is involved (`login`, `web-login`…).
    pub method: &'a str,
}

impl LoginInput<'_> {
    /// How the person's account is looked up: this identity, else its unionid.
    pub(super) fn lookup(&self) -> WeChatLookup<'_> {
        WeChatLookup {
            organization: &self.org.name,
            appid: self.appid,
            openid: &self.session.openid,
            unionid: self.session.unionid.as_deref(),
        }
    }
}

/// What an application's provider item allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SignInRules {
    pub can_sign_up: bool,
    pub can_sign_in: bool,
}

impl SignInRules {
    /// The item of `provider` in `app` (an application lists its providers by name).
    pub(crate) fn of(app: &Application, provider: &str) -> Self {
        let item = app.providers.iter().find(|i| i.name == provider);
        SignInRules {
            can_sign_up: app.enable_sign_up && item.is_some_and(|i| i.can_sign_up),
            can_sign_in: item.is_some_and(|i| i.can_sign_in),
        }
    }
}

/// What a completed WeChat sign-in leaves in the same transaction as the user.
pub(crate) enum Finish<'a> {
    /// The mini program's tokens.
    Token,
    /// An authorization code for the hosted page's relying party.
    AuthorizationCode(&'a super::oauth::AuthorizeRequest),
}

pub(crate) enum Finished {
    Token(Box<PendingToken>),
    /// The URL to send the browser to: the relying party's `redirect_uri?code&state`.
    Redirect(String),
}

impl Core {
    pub(crate) async fn wechat_miniprogram_login(
        &self,
        params: &TokenParams,
        now: Now,
    ) -> Result<TokenResponse> {
        let objects = self.objects().await?;
        let app = objects.client(&params.client_id).await?;
        let MiniProgramLogin {
            code,
            nickname,
            avatar,
            phone_code,
        } = MiniProgramLogin::from_params(params)?;
        let provider = objects.miniprogram_provider(&app).await?;
        let org = objects
            .organization(&app.organization)
            .await?
            .ok_or_else(|| {
                Error::Internal(format!("application {} has no organization", app.name))
            })?;
        let session = self.exchange_login_code(&provider, code, now).await?;
        let phone = if phone_code.is_empty() {
            None
        } else {
            Some(
                self.verified_phone(&provider, phone_code, &session.openid)
                    .await?,
            )
        };
        let input = LoginInput {
            app: &app,
            org: &org,
            rules: SignInRules::of(&app, &provider.name),
            appid: &provider.client_id,
            session: &session,
            nickname,
            avatar,
            phone: phone.as_ref(),
            method: "login",
        };
        let (user, pending) = match self.grouped_login(&objects, &input, now).await? {
            Some(done) => done,
            None => {
                let (user, finished) = self
                    .complete_wechat_login(&input, Finish::Token, now)
                    .await?;
                let Finished::Token(pending) = finished else {
                    return Err(Error::Internal("a mini-program login made no token".into()));
                };
                (user, *pending)
            }
        };
        let tag = WECHAT_MINIPROGRAM_TAG;
        self.token_response(&objects, &app, Some(&user), pending, "", tag, now)
            .await
    }

    /// The identity `input` signs in with, linked to `user_name`.
    pub(super) fn wechat_identity(
        &self,
        input: &LoginInput<'_>,
        user_name: &str,
        now: Now,
    ) -> Result<WeChatIdentity> {
        Ok(WeChatIdentity {
            organization: input.org.name.clone(),
            appid: input.appid.to_string(),
            openid: input.session.openid.clone(),
            unionid: input.session.unionid.clone(),
            user_name: user_name.to_string(),
            created_time: now.rfc3339(),
            updated_time: now.rfc3339(),
            session_key_sealed: self.seal_session_key(input.session)?,
        })
    }

    /// Exchanges a `wx.login` code with WeChat, at most once: the code is claimed in the
    /// database first (so a second arrival, on any node, is refused), and the claim is
    /// given back when WeChat certainly did not see the code.
    pub(crate) async fn exchange_login_code(
        &self,
        provider: &Provider,
        code: &str,
        now: Now,
    ) -> Result<WeChatSession> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::oauth(
                Code::InvalidRequest,
                "code is required (the code from wx.login)",
            ));
        }
        if code.len() > 256 || !code.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::oauth(
                Code::InvalidRequest,
                "code is not a wx.login code",
            ));
        }
        let appid = provider.client_id.as_str();
        let code_hash = hash_secret(code.as_bytes());
        // Committed before WeChat is called, together with the claims of concurrent logins.
        let claimed = self
            .store
            .claim_wechat_code(appid, &code_hash, now.unix() + CODE_LIFETIME_SECONDS)
            .await?;
        if !claimed {
            return Err(Error::oauth(
                Code::InvalidGrant,
                "this code has already been used; call wx.login again",
            ));
        }
        let session = match self
            .wechat
            .code_to_session(appid, &provider.client_secret, code)
            .await
        {
            Ok(s) => s,
            Err(failure) => {
                if failure.code_untouched() {
                    self.release_code(appid, &code_hash).await;
                }
                tracing::info!(appid, failure = ?failure, "jscode2session failed");
                return Err(failure.into_error());
            }
        };
        if session.openid.is_empty() {
            return Err(Error::Upstream {
                failure: UpstreamFailure::BadGateway,
                message: "WeChat answered a session without openid".into(),
            });
        }
        Ok(session)
    }

    /// The session key, sealed for storage.
    pub(crate) fn seal_session_key(&self, session: &WeChatSession) -> Result<Option<String>> {
        session
            .session_key
            .as_ref()
            .map(|k| self.sealer.seal(&k.0))
            .transpose()
    }

    /// The phone number behind a `getPhoneNumber` code, checked by WeChat to be `openid`'s.
    async fn verified_phone(
        &self,
        provider: &Provider,
        phone_code: &str,
        openid: &str,
    ) -> Result<WeChatPhone> {
        let phone = self
            .wechat
            .phone_number(&provider.client_id, &provider.client_secret, phone_code, openid)
            .await
            .map_err(|failure| match failure {
                WeChatFailure::InvalidCode(m) | WeChatFailure::CodeUsed(m) => Error::oauth(
                    Code::InvalidGrant,
                    format!("WeChat rejected the phone code (invalid, expired, used, or another user's): {m}"),
                ),
                other => other.into_error(),
            })?;
        if phone.pure_phone_number.is_empty() {
            return Err(Error::Upstream {
                failure: UpstreamFailure::BadGateway,
                message: "WeChat answered no phone number".into(),
            });
        }
        Ok(phone)
    }

    async fn release_code(&self, appid: &str, code_hash: &str) {
        let released = async {
            let mut tx = self.store.begin().await?;
            tx.release_wechat_code(appid, code_hash).await?;
            tx.commit().await
        };
        if let Err(e) = released.await {
            tracing::warn!(error = %e, "could not release a WeChat code claim");
        }
    }

    /// Finds or creates the user, links the identity and stores the token or the
    /// authorization code, all in one transaction; retried when a concurrent login of the
    /// same person won a race.
    pub(crate) async fn complete_wechat_login(
        &self,
        input: &LoginInput<'_>,
        finish: Finish<'_>,
        now: Now,
    ) -> Result<(User, Finished)> {
        let mut last_conflict = String::new();
        for attempt in 0..LOGIN_ATTEMPTS {
            match self.try_wechat_login(input, &finish, attempt, now).await {
                Err(Error::Store(StoreError::Conflict(msg))) => {
                    tracing::debug!(attempt, %msg, "concurrent WeChat login; retrying");
                    last_conflict = msg;
                }
                other => return other,
            }
        }
        Err(Error::Internal(format!(
            "WeChat login kept conflicting: {last_conflict}"
        )))
    }

    async fn try_wechat_login(
        &self,
        input: &LoginInput<'_>,
        finish: &Finish<'_>,
        attempt: usize,
        now: Now,
    ) -> Result<(User, Finished)> {
        let LoginInput { app, org, .. } = *input;
        let identity = self.wechat_identity(input, "", now)?;
        let method = if input.phone.is_some() {
            "phone-login"
        } else {
            input.method
        };
        let mut tx = self.store.begin().await?;
        let by_identity = tx.find_user_by_wechat(input.lookup()).await?;
        let by_phone = match input.phone {
            Some(p) => {
                tx.find_user_by_phone(&org.name, &p.pure_phone_number)
                    .await?
            }
            None => None,
        };
        let existing = match (by_identity, by_phone) {
            (Some(u), Some(v)) if u.name != v.name => {
                return Err(Error::Conflict(
                    "this phone number belongs to another account: sign in to that account and bind WeChat there".into(),
                ));
            }
            (Some(u), _) => Some(u),
            (None, found_by_phone) => found_by_phone,
        };
        let user = match existing {
            Some(mut user) => {
                if !user.is_active() {
                    return Err(Error::oauth(Code::AccessDenied, "this user is forbidden"));
                }
                if !input.rules.can_sign_in {
                    return Err(Error::oauth(
                        Code::AccessDenied,
                        "the application does not allow signing in with this provider (canSignIn is off)",
                    ));
                }
                let identity = WeChatIdentity {
                    user_name: user.name.clone(),
                    ..identity
                };
                if !tx.touch_wechat_identity(&identity).await? {
                    // Found through unionid, phone or Casdoor's `wechat` column: link this
                    // mini program to the account too.
                    tx.insert_wechat_identity(&identity).await?;
                    tx.insert_identity_event(&link_event(&identity, &user, method, now))
                        .await?;
                }
                let phone_changed = input.phone.is_some_and(|p| set_phone(&mut user, p));
                if apply_profile(&mut user, input.nickname, input.avatar) || phone_changed {
                    user.updated_time = now.rfc3339();
                    tx.update_user(&user).await?;
                }
                user
            }
            None => {
                if !input.rules.can_sign_up {
                    return Err(Error::oauth(
                        Code::InvalidGrant,
                        "no account is linked to this WeChat user and the application does not allow signing up (login-only mode)",
                    ));
                }
                let mut user = new_wechat_user(input, attempt, now);
                if let Some(p) = input.phone {
                    set_phone(&mut user, p);
                }
                tx.insert_user(&user).await?;
                self.record(&mut *tx, Event::of_user("signup", &user), now)
                    .await?;
                let identity = WeChatIdentity {
                    user_name: user.name.clone(),
                    ..identity
                };
                tx.insert_wechat_identity(&identity).await?;
                tx.insert_identity_event(&link_event(&identity, &user, method, now))
                    .await?;
                user
            }
        };
        let finished = match finish {
            Finish::Token => {
                let pending = super::wechat_login_grouped::login_token(app, &user, now);
                self.insert_issued_token(&mut *tx, app, Some(&user), &pending, now)
                    .await?;
                Finished::Token(Box::new(pending))
            }
            Finish::AuthorizationCode(request) => {
                Finished::Redirect(Self::issue_code(&mut *tx, app, request, &user, now).await?)
            }
        };
        tx.commit().await?;
        Ok((user, finished))
    }
}

/// Records a verified phone number on the user; answers whether it changed.
fn set_phone(user: &mut User, phone: &WeChatPhone) -> bool {
    let country = if phone.country_code == "86" {
        "CN".to_string()
    } else {
        phone.country_code.clone()
    };
    // WeChat verified this number: it is no longer pending, even if the user had typed it.
    let changed =
        user.phone != phone.pure_phone_number || user.country_code != country || user.phone_pending;
    user.phone = phone.pure_phone_number.clone();
    user.country_code = country;
    user.phone_pending = false;
    changed
}

/// The audit record of linking `identity` to `user` by the user's own login.
pub(crate) fn link_event(
    identity: &WeChatIdentity,
    user: &User,
    method: &str,
    now: Now,
) -> IdentityEvent {
    IdentityEvent {
        organization: identity.organization.clone(),
        appid: identity.appid.clone(),
        openid: identity.openid.clone(),
        user_name: user.name.clone(),
        action: "link".into(),
        actor: user.id_string(),
        method: method.into(),
        created_time: now.rfc3339(),
    }
}

/// `None` for an absent or empty field; refuses absurd sizes.
fn profile_field<'a>(name: &str, value: &'a str) -> Result<Option<&'a str>> {
    let value = value.trim();
    if value.len() > MAX_PROFILE_FIELD {
        return Err(Error::oauth(
            Code::InvalidRequest,
            format!("{name} is longer than {MAX_PROFILE_FIELD} bytes"),
        ));
    }
    Ok((!value.is_empty()).then_some(value))
}

/// Whether the nickname or avatar sent with a login differs from the user's.
pub(super) fn profile_differs(user: &User, nickname: Option<&str>, avatar: Option<&str>) -> bool {
    nickname.is_some_and(|n| n != user.display_name) || avatar.is_some_and(|a| a != user.avatar)
}

/// Sets the nickname and avatar sent with a login; answers whether anything changed.
fn apply_profile(user: &mut User, nickname: Option<&str>, avatar: Option<&str>) -> bool {
    let changed = profile_differs(user, nickname, avatar);
    if let Some(n) = nickname {
        user.display_name = n.to_string();
    }
    if let Some(a) = avatar {
        user.avatar = a.to_string();
    }
    changed
}

/// A new user named `wechat-<openid>`. After a name clash with an unrelated user (the
/// identity lookup found nobody, yet the name is taken) later attempts add a suffix.
pub(super) fn new_wechat_user(input: &LoginInput<'_>, attempt: usize, now: Now) -> User {
    let session = input.session;
    let mut name = format!("wechat-{}", session.openid);
    if attempt >= 2 {
        name = format!("{name}-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    }
    let mut properties = BTreeMap::new();
    properties.insert("wechatOpenId".to_string(), session.openid.clone());
    if let Some(u) = &session.unionid {
        properties.insert("wechatUnionId".to_string(), u.clone());
    }
    User {
        owner: input.org.name.clone(),
        name,
        created_time: now.rfc3339(),
        updated_time: now.rfc3339(),
        id: uuid::Uuid::new_v4().to_string(),
        type_: "normal-user".into(),
        display_name: input.nickname.unwrap_or_default().to_string(),
        avatar: input
            .avatar
            .map(str::to_string)
            .unwrap_or_else(|| input.org.default_avatar.clone()),
        signup_application: input.app.name.clone(),
        wechat: session.openid.clone(),
        properties,
        ..User::default()
    }
}
