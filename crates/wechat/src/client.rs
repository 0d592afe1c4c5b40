//! [`WeChatClient`]: calls WeChat's server APIs for Mini Program login.
//!
//! Three calls are all an identity server needs: `code_to_session` (log a user
//! in with the code from `wx.login`), `stable_token` (the app's access token)
//! and `get_user_phone_number` (a phone number from the `getPhoneNumber` button).
//!
//! Secrets travel in query strings (`secret=`, `access_token=`) because that is
//! WeChat's API, so transport errors are stripped of their URL before they are
//! returned, and nothing here logs a URL.

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::error::WeChatError;
use crate::response::{
    AccessToken, CodeSession, PhoneInfo, WebGrant, WebUserInfo, parse_access_token,
    parse_code_session, parse_phone_info, parse_web_grant, parse_web_user_info,
};

/// Where WeChat's server APIs live.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";
/// Where the browser goes for WeChat's sign-in pages (`connect/qrconnect`,
/// `connect/oauth2/authorize`).
pub const DEFAULT_OPEN_BASE: &str = "https://open.weixin.qq.com";

/// WeChat gives up on a slow connection well before this; a login request
/// should fail fast rather than hold a user's spinner.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(5);

/// WeChat's answers are a few hundred bytes; anything far bigger is not WeChat.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// A mini-program code picture (1280 px at most) stays well under this.
const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// What `wxa/getwxacodeunlimit` is asked to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WxaCodeRequest<'a> {
    /// At most 32 visible characters; the mini program reads it from `options.scene`.
    pub scene: &'a str,
    /// The page to open, without a leading `/`; empty means the home page.
    pub page: &'a str,
    /// `release`, `trial` or `develop`.
    pub env_version: &'a str,
    /// `false` allows pages that are not published yet.
    pub check_path: bool,
}

/// A client of WeChat's server APIs. Cheap to clone: clones share one
/// connection pool.
#[derive(Debug, Clone)]
pub struct WeChatClient {
    http: reqwest::Client,
    /// Validated base URL without a trailing slash, e.g. `https://api.weixin.qq.com`.
    base: Arc<str>,
}

impl WeChatClient {
    /// A client for `base_url` (normally [`DEFAULT_API_BASE`], or an emulator's
    /// address) with a 2 s connect timeout and a 5 s total timeout.
    pub fn new(base_url: &str) -> Result<Self, WeChatError> {
        Self::with_timeouts(base_url, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT)
    }

    /// Like [`WeChatClient::new`] with explicit timeouts (tests use short ones).
    pub fn with_timeouts(
        base_url: &str,
        connect: Duration,
        total: Duration,
    ) -> Result<Self, WeChatError> {
        let base = validated_base(base_url)?;
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            // WeChat never redirects; following one could only lead somewhere unexpected.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ferrodoor-wechat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WeChatError::Config(describe(&e.without_url())))?;
        Ok(WeChatClient {
            http,
            base: base.into(),
        })
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// code2Session: exchanges the code from `wx.login` for the user's openid,
    /// unionid (if the app is bound to an Open Platform) and session key.
    /// A code works once and for five minutes.
    pub async fn code_to_session(
        &self,
        appid: &str,
        secret: &str,
        js_code: &str,
    ) -> Result<CodeSession, WeChatError> {
        let request = self.http.get(self.url("/sns/jscode2session")).query(&[
            ("appid", appid),
            ("secret", secret),
            ("js_code", js_code),
            ("grant_type", "authorization_code"),
        ]);
        self.send("jscode2session", request, parse_code_session)
            .await
    }

    /// getStableAccessToken: the app's access token. Without `force_refresh`
    /// WeChat returns the current token with the time it has left, so several
    /// server instances can call this without invalidating each other's tokens.
    pub async fn stable_token(
        &self,
        appid: &str,
        secret: &str,
        force_refresh: bool,
    ) -> Result<AccessToken, WeChatError> {
        let request = self
            .http
            .post(self.url("/cgi-bin/stable_token"))
            .json(&json!({
                "grant_type": "client_credential",
                "appid": appid,
                "secret": secret,
                "force_refresh": force_refresh,
            }));
        self.send("stable_token", request, parse_access_token).await
    }

    /// getuserphonenumber: exchanges the code from the `getPhoneNumber` button
    /// for the user's phone number. With `openid`, WeChat also checks that the
    /// code belongs to that user.
    pub async fn get_user_phone_number(
        &self,
        access_token: &str,
        code: &str,
        openid: Option<&str>,
    ) -> Result<PhoneInfo, WeChatError> {
        let mut payload = json!({ "code": code });
        if let Some(openid) = openid {
            payload["openid"] = json!(openid);
        }
        let request = self
            .http
            .post(self.url("/wxa/business/getuserphonenumber"))
            .query(&[("access_token", access_token)])
            .json(&payload);
        self.send("getuserphonenumber", request, parse_phone_info)
            .await
    }

    /// `sns/oauth2/access_token`: exchanges the code of a website QR or Official Account
    /// sign-in (`connect/qrconnect`, `connect/oauth2/authorize`) for the person's openid,
    /// unionid and a web access token.
    pub async fn web_access_token(
        &self,
        appid: &str,
        secret: &str,
        code: &str,
    ) -> Result<WebGrant, WeChatError> {
        let request = self.http.get(self.url("/sns/oauth2/access_token")).query(&[
            ("appid", appid),
            ("secret", secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ]);
        self.send("sns/oauth2/access_token", request, parse_web_grant)
            .await
    }

    /// `sns/oauth2/refresh_token`: a new web access token (the refresh token lives 30
    /// days and is not renewed).
    pub async fn web_refresh_token(
        &self,
        appid: &str,
        refresh_token: &str,
    ) -> Result<WebGrant, WeChatError> {
        let request = self
            .http
            .get(self.url("/sns/oauth2/refresh_token"))
            .query(&[
                ("appid", appid),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ]);
        self.send("sns/oauth2/refresh_token", request, parse_web_grant)
            .await
    }

    /// `sns/userinfo`: the person's nickname, avatar and unionid (not for `snsapi_base`).
    pub async fn web_user_info(
        &self,
        access_token: &str,
        openid: &str,
    ) -> Result<WebUserInfo, WeChatError> {
        let request = self.http.get(self.url("/sns/userinfo")).query(&[
            ("access_token", access_token),
            ("openid", openid),
            ("lang", "zh_CN"),
        ]);
        self.send("sns/userinfo", request, parse_web_user_info)
            .await
    }

    /// `wxa/getwxacodeunlimit`: the picture of a mini-program code (PNG or JPEG bytes).
    /// WeChat answers JSON instead when it refuses.
    pub async fn wxa_code_unlimit(
        &self,
        access_token: &str,
        code: &WxaCodeRequest<'_>,
    ) -> Result<Vec<u8>, WeChatError> {
        let mut payload = json!({
            "scene": code.scene,
            "check_path": code.check_path,
            "env_version": code.env_version,
        });
        if !code.page.is_empty() {
            payload["page"] = json!(code.page);
        }
        let request = self
            .http
            .post(self.url("/wxa/getwxacodeunlimit"))
            .query(&[("access_token", access_token)])
            .json(&payload);
        let started = Instant::now();
        let result = fetch_image(request).await;
        let elapsed = started.elapsed();
        if let Err(error) = &result {
            let elapsed_ms = elapsed.as_millis() as u64;
            tracing::debug!(api = "getwxacodeunlimit", elapsed_ms, %error, "WeChat call failed");
        }
        crate::telemetry::observe("getwxacodeunlimit", elapsed, &result);
        result
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends the request, parses a 2xx answer with `parse` and counts the call by its
    /// errcode (see [`crate::telemetry`]). `api` names the call in debug logs, which never
    /// include the URL.
    async fn send<T>(
        &self,
        api: &'static str,
        request: reqwest::RequestBuilder,
        parse: fn(&[u8]) -> Result<T, WeChatError>,
    ) -> Result<T, WeChatError> {
        let started = Instant::now();
        let result = fetch_body(request).await;
        let elapsed = started.elapsed();
        let elapsed_ms = elapsed.as_millis() as u64;
        match &result {
            Ok(body) => tracing::debug!(api, elapsed_ms, bytes = body.len(), "WeChat answered"),
            Err(error) => tracing::debug!(api, elapsed_ms, %error, "WeChat call failed"),
        }
        let parsed = result.and_then(|body| parse(&body));
        crate::telemetry::observe(api, elapsed, &parsed);
        parsed
    }
}

async fn fetch_body(request: reqwest::RequestBuilder) -> Result<Vec<u8>, WeChatError> {
    let response = request.send().await.map_err(transport_error)?;
    read_body(response, MAX_BODY_BYTES).await
}

/// An image answer, or WeChat's JSON error (whatever its Content-Type says).
async fn fetch_image(request: reqwest::RequestBuilder) -> Result<Vec<u8>, WeChatError> {
    let response = request.send().await.map_err(transport_error)?;
    let is_image = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("image/"));
    let body = read_body(response, MAX_IMAGE_BYTES).await?;
    if is_image && !body.starts_with(b"{") {
        return Ok(body);
    }
    crate::response::parse_error_only(&body)
}

async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, WeChatError> {
    let status = response.status();
    if !status.is_success() {
        return Err(WeChatError::HttpStatus(status.as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > limit {
            return Err(WeChatError::Malformed(format!(
                "response body over {limit} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Maps a reqwest failure, first dropping the URL it carries (it holds the
/// secret or the access token).
fn transport_error(error: reqwest::Error) -> WeChatError {
    let error = error.without_url();
    if error.is_timeout() {
        WeChatError::Timeout
    } else if error.is_builder() {
        WeChatError::Config(describe(&error))
    } else {
        WeChatError::Unreachable(describe(&error))
    }
}

/// The error and its causes on one line ("error sending request: connection
/// closed before message completed"), since reqwest's own Display says little.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn validated_base(base_url: &str) -> Result<String, WeChatError> {
    let url = url::Url::parse(base_url)
        .map_err(|e| WeChatError::Config(format!("base URL {base_url:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(WeChatError::Config(format!(
            "base URL {base_url:?} is not an http(s) URL"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(WeChatError::Config(format!(
            "base URL {base_url:?} must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_normalised() {
        let client = WeChatClient::new("https://api.weixin.qq.com/").unwrap();
        assert_eq!(client.base_url(), DEFAULT_API_BASE);
        assert_eq!(
            client.url("/sns/jscode2session"),
            "https://api.weixin.qq.com/sns/jscode2session"
        );
        let client = WeChatClient::new("http://127.0.0.1:8081/wechat/").unwrap();
        assert_eq!(
            client.url("/cgi-bin/stable_token"),
            "http://127.0.0.1:8081/wechat/cgi-bin/stable_token"
        );
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        for bad in [
            "",
            "api.weixin.qq.com",
            "ftp://x",
            "http://x/?a=1",
            "http://x/#f",
        ] {
            let e = WeChatClient::new(bad).unwrap_err();
            assert!(matches!(e, WeChatError::Config(_)), "{bad:?} gave {e:?}");
        }
    }
}
