//! WeChat sign-in on the hosted page: website QR (`connect/qrconnect`, `snsapi_login`, the
//! provider's `clientId`/`clientSecret`) and, inside WeChat's browser, the Official Account
//! (`connect/oauth2/authorize`, `clientId2`/`clientSecret2`): `snsapi_base` silently for a
//! person already known by openid, `snsapi_userinfo` (profile and unionid) otherwise.
//!
//! The sign-in attempt (the relying party's request, the provider, the `state` sent to
//! WeChat) is sealed into a cookie of the browser that started it: WeChat's `state` is at
//! most 128 bytes, and a callback arriving in another browser (login CSRF) finds no
//! matching cookie. Nothing is stored until WeChat has said who the person is.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::Core;
use super::oauth::{AuthorizeError, AuthorizeRequest};
use super::wechat_login::{Finish, Finished, LoginInput, SignInRules, WeChatFailure};
use crate::clock::Now;
use crate::entity::{Application, Provider, ProviderKind};
use crate::error::{Error, Result, UpstreamFailure};
use crate::seal::Secret;
use crate::service::WeChatSession;
use crate::store::WeChatLookup;
use crate::token::random_token;

mod embedded;
pub use embedded::EmbeddedQr;

/// How long a started sign-in may take (WeChat's own codes live 5–10 minutes).
const ATTEMPT_SECONDS: i64 = 600;
/// The path WeChat redirects back to (its domain must be the one registered with WeChat).
pub const WECHAT_CALLBACK_PATH: &str = "/login/wechat/callback";

/// What `sns/oauth2/access_token` says about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeChatWebGrant {
    pub openid: String,
    pub unionid: Option<String>,
    /// For `sns/userinfo` only; never stored.
    pub access_token: Secret,
    /// `is_snapshotuser: 1`: a snapshot-page virtual user, whose ids are nobody's.
    pub snapshot_user: bool,
}

/// What `sns/userinfo` says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeChatProfile {
    pub nickname: String,
    pub avatar: String,
    pub unionid: Option<String>,
}

/// Which of WeChat's pages a sign-in goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Channel {
    Website,
    OfficialAccount,
}

/// A started sign-in, sealed into the browser's cookie.
#[derive(Debug, Serialize, Deserialize)]
struct Attempt {
    state: String,
    request: AuthorizeRequest,
    provider: String,
    /// The website application's or the Official Account's AppID.
    appid: String,
    channel: Channel,
    scope: String,
    expires_at: i64,
}

/// Where to send the browser, and the cookie to give it first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebLoginStart {
    pub location: String,
    /// The value of [`WEB_LOGIN_COOKIE`] (sealed; opaque to the browser).
    pub cookie: String,
    pub max_age: i64,
}

/// The cookie that binds a WeChat sign-in to the browser that started it.
pub const WEB_LOGIN_COOKIE: &str = "ferrodoor_wechat_login";

/// How a WeChat callback ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebLoginEnd {
    /// Signed in: the relying party's `redirect_uri?code&state`.
    Done(String),
    /// `snsapi_base` found nobody: ask again with `snsapi_userinfo` (a new cookie).
    Again(WebLoginStart),
}

/// A sign-in button of the hosted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInButton {
    pub provider: String,
    pub label: String,
    pub kind: ProviderKind,
}

impl Core {
    /// The application's providers that may sign people in, in the application's order:
    /// WeChat (website / Official Account) and WeChat Mini Program (scan sign-in).
    pub async fn sign_in_buttons(&self, app: &Application) -> Result<Vec<SignInButton>> {
        let mut buttons = Vec::new();
        for item in app.providers.iter().filter(|i| i.can_sign_in) {
            let Some(provider) = self.store.get_provider(&item.name).await? else {
                continue;
            };
            let kind = provider.kind();
            if matches!(
                kind,
                ProviderKind::WeChatWeb | ProviderKind::WeChatMiniProgram
            ) {
                buttons.push(SignInButton {
                    label: provider.label().to_string(),
                    provider: provider.name,
                    kind,
                });
            }
        }
        Ok(buttons)
    }

    /// Starts a WeChat sign-in for the authorization request `req` with `provider`: the
    /// Official Account page inside WeChat's browser (when the provider has one), else the
    /// website QR page.
    pub async fn start_wechat_web_login(
        &self,
        req: &AuthorizeRequest,
        provider: &str,
        in_wechat: bool,
        now: Now,
    ) -> Result<WebLoginStart> {
        let app = self.checked_request(req).await?;
        let provider = self.web_provider(&app, provider).await?;
        let channel = if in_wechat && !provider.client_id2.is_empty() {
            Channel::OfficialAccount
        } else {
            Channel::Website
        };
        if channel == Channel::Website && provider.client_id.is_empty() {
            return Err(Error::invalid(
                "this WeChat provider has no website application (Client ID); open the page in WeChat",
            ));
        }
        let scope = match channel {
            Channel::Website => "snsapi_login",
            Channel::OfficialAccount => "snsapi_base",
        };
        self.attempt(req.clone(), &provider, channel, scope, now)
    }

    /// WeChat's redirect back: checks it belongs to this browser's attempt, asks WeChat who
    /// the person is, and signs them in to their one account.
    pub async fn finish_wechat_web_login(
        &self,
        cookie: Option<&str>,
        code: &str,
        state: &str,
        now: Now,
    ) -> Result<WebLoginEnd> {
        let attempt = cookie
            .and_then(|c| self.sealer.open(c))
            .and_then(|json| serde_json::from_str::<Attempt>(&json).ok())
            .filter(|a| bool::from(a.state.as_bytes().ct_eq(state.as_bytes())))
            .ok_or_else(|| {
                Error::invalid(
                    "this WeChat sign-in was not started in this browser (or was started again since): start again from the sign-in page",
                )
            })?;
        if attempt.expires_at <= now.unix() {
            return Err(Error::invalid(
                "this WeChat sign-in took too long: start again from the sign-in page",
            ));
        }
        if code.is_empty() {
            return Err(Error::forbidden("the WeChat sign-in was not approved"));
        }
        let app = self.checked_request(&attempt.request).await?;
        let provider = self.web_provider(&app, &attempt.provider).await?;
        let (appid, secret) = match attempt.channel {
            Channel::Website => (&provider.client_id, &provider.client_secret),
            Channel::OfficialAccount => (&provider.client_id2, &provider.client_secret2),
        };
        let grant = self
            .wechat
            .web_access_token(appid, secret, code)
            .await
            .map_err(web_failure)?;
        if grant.snapshot_user {
            return Err(Error::forbidden(
                "WeChat opened this page as a snapshot (a preview without a real account): open it in full to sign in",
            ));
        }
        if grant.openid.is_empty() {
            return Err(Error::Upstream {
                failure: UpstreamFailure::BadGateway,
                message: "WeChat answered a sign-in without openid".into(),
            });
        }
        let org = self
            .store
            .get_organization(&app.organization)
            .await?
            .ok_or_else(|| {
                Error::Internal(format!("application {} has no organization", app.name))
            })?;
        let profile = if attempt.scope == "snsapi_base" {
            let known = self
                .store
                .find_user_by_wechat(WeChatLookup {
                    organization: &org.name,
                    appid,
                    openid: &grant.openid,
                    unionid: None,
                })
                .await?;
            if known.is_none() {
                return self
                    .attempt(
                        attempt.request,
                        &provider,
                        attempt.channel,
                        "snsapi_userinfo",
                        now,
                    )
                    .map(WebLoginEnd::Again);
            }
            WeChatProfile::default()
        } else {
            self.wechat
                .web_profile(&grant.access_token.0, &grant.openid)
                .await
                .map_err(web_failure)?
        };
        let session = WeChatSession {
            openid: grant.openid,
            unionid: grant.unionid.or(profile.unionid),
            session_key: None,
        };
        let non_empty = |s: &str| (!s.is_empty()).then_some(s.to_string());
        let (nickname, avatar) = (non_empty(&profile.nickname), non_empty(&profile.avatar));
        let input = LoginInput {
            app: &app,
            org: &org,
            rules: SignInRules::of(&app, &provider.name),
            appid,
            session: &session,
            nickname: nickname.as_deref(),
            avatar: avatar.as_deref(),
            phone: None,
            method: match attempt.channel {
                Channel::Website => "web-login",
                Channel::OfficialAccount => "official-account-login",
            },
        };
        let (_, finished) = self
            .complete_wechat_login(&input, Finish::AuthorizationCode(&attempt.request), now)
            .await?;
        match finished {
            Finished::Redirect(location) => Ok(WebLoginEnd::Done(location)),
            Finished::Token(_) => Err(Error::Internal("a web sign-in made a token".into())),
        }
    }

    /// The authorization request checked again (it may have been started long ago).
    pub(crate) async fn checked_request(&self, req: &AuthorizeRequest) -> Result<Application> {
        self.check_authorize_request(req)
            .await
            .map_err(|e| match e {
                AuthorizeError::Page(m) => Error::invalid(m),
                AuthorizeError::Redirect { description, .. } => Error::invalid(description),
                AuthorizeError::Failed(e) => e,
            })
    }

    /// The application's WeChat provider `name`, which must be one of its providers.
    async fn web_provider(&self, app: &Application, name: &str) -> Result<Provider> {
        if !app.providers.iter().any(|i| i.name == name) {
            return Err(Error::invalid(format!(
                "provider {name:?} is not a provider of this application"
            )));
        }
        match self.store.get_provider(name).await? {
            Some(p) if p.kind() == ProviderKind::WeChatWeb => Ok(p),
            _ => Err(Error::invalid(format!(
                "provider {name:?} is not a WeChat (website / Official Account) provider"
            ))),
        }
    }

    fn attempt(
        &self,
        request: AuthorizeRequest,
        provider: &Provider,
        channel: Channel,
        scope: &str,
        now: Now,
    ) -> Result<WebLoginStart> {
        let (attempt, cookie) = self.sealed_attempt(request, provider, channel, scope, now)?;
        Ok(WebLoginStart {
            location: self.wechat_page_url(&attempt),
            cookie,
            max_age: ATTEMPT_SECONDS,
        })
    }

    /// A new attempt and its sealed cookie.
    fn sealed_attempt(
        &self,
        request: AuthorizeRequest,
        provider: &Provider,
        channel: Channel,
        scope: &str,
        now: Now,
    ) -> Result<(Attempt, String)> {
        let state = random_token(16);
        let appid = match channel {
            Channel::Website => &provider.client_id,
            Channel::OfficialAccount => &provider.client_id2,
        };
        let attempt = Attempt {
            state: state.clone(),
            request,
            provider: provider.name.clone(),
            appid: appid.clone(),
            channel,
            scope: scope.to_string(),
            expires_at: now.unix() + ATTEMPT_SECONDS,
        };
        let json = serde_json::to_string(&attempt)
            .map_err(|e| Error::Internal(format!("sign-in attempt: {e}")))?;
        let cookie = self.sealer.seal(&json)?;
        Ok((attempt, cookie))
    }

    /// WeChat's page, its parameters in the order WeChat checks.
    fn wechat_page_url(&self, attempt: &Attempt) -> String {
        let path = match attempt.channel {
            Channel::Website => "connect/qrconnect",
            Channel::OfficialAccount => "connect/oauth2/authorize",
        };
        format!(
            "{}/{path}?appid={}&redirect_uri={}&response_type=code&scope={}&state={}#wechat_redirect",
            self.config.wechat_open_base.trim_end_matches('/'),
            enc(&attempt.appid),
            enc(&self.wechat_callback_url()),
            attempt.scope,
            enc(&attempt.state),
        )
    }

    fn wechat_callback_url(&self) -> String {
        format!("{}{WECHAT_CALLBACK_PATH}", self.config.issuer)
    }
}

/// URL-encodes one query value.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A failed code exchange on the hosted page: WeChat's verdict in the person's words.
fn web_failure(failure: WeChatFailure) -> Error {
    match failure {
        WeChatFailure::InvalidCode(m) | WeChatFailure::CodeUsed(m) => Error::invalid(format!(
            "WeChat did not accept the sign-in (the code is invalid, expired or used): start again. {m}"
        )),
        other => other.into_error(),
    }
}
