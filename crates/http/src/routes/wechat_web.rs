//! WeChat sign-in from the hosted page: `GET /login/wechat` sends the browser to WeChat's
//! website QR page (or, inside WeChat's browser, the Official Account page) and
//! `GET /login/wechat/callback` is where WeChat sends it back.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use ferrodoor_core::clock::Now;
use ferrodoor_core::service::{WEB_LOGIN_COOKIE, WebLoginEnd, WebLoginStart};

use super::authorize::{AuthorizeQs, error_page, failure_page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::Q;

/// `GET /login/wechat?client_id&redirect_uri&…&provider=NAME`.
pub async fn start(
    State(s): State<AppState>,
    headers: HeaderMap,
    qs: Result<Q<AuthorizeQs>, ApiError>,
) -> Response {
    let qs = match qs {
        Ok(Q(qs)) => qs,
        Err(ApiError::Http(status, msg)) => return error_page(status, &msg),
        Err(e) => return e.into_response(),
    };
    let in_wechat = inside_wechat(&headers);
    match s
        .core
        .start_wechat_web_login(&qs.request(), &qs.provider, in_wechat, Now::wall_clock())
        .await
    {
        Ok(start) => to_wechat(&s, &start),
        Err(e) => failure_page(&e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackQs {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
}

/// `GET /login/wechat/callback?code&state` (from WeChat).
pub async fn callback(
    State(s): State<AppState>,
    headers: HeaderMap,
    qs: Result<Q<CallbackQs>, ApiError>,
) -> Response {
    let qs = match qs {
        Ok(Q(qs)) => qs,
        Err(ApiError::Http(status, msg)) => return error_page(status, &msg),
        Err(e) => return e.into_response(),
    };
    let cookie = cookie_value(&headers, WEB_LOGIN_COOKIE);
    let attempt =
        s.core
            .finish_wechat_web_login(cookie.as_deref(), &qs.code, &qs.state, Now::wall_clock());
    match ferrodoor_core::service::audit::signing_in_by("wechat_web", attempt).await {
        Ok(WebLoginEnd::Done(location)) => {
            let mut response = Redirect::to(&location).into_response();
            set_cookie(&s, &mut response, "", 0);
            response
        }
        Ok(WebLoginEnd::Again(start)) => to_wechat(&s, &start),
        Err(e) => failure_page(&e),
    }
}

fn to_wechat(s: &AppState, start: &WebLoginStart) -> Response {
    let mut response = Redirect::to(&start.location).into_response();
    set_cookie(s, &mut response, &start.cookie, start.max_age);
    response
}

/// `SameSite=Lax`: WeChat's redirect back is a cross-site top-level GET, which must carry
/// it; nothing else cross-site does.
pub(crate) fn set_cookie(s: &AppState, response: &mut Response, value: &str, max_age: i64) {
    let cookie = SignInCookie {
        name: WEB_LOGIN_COOKIE,
        path: "/login/wechat",
        same_site: "Lax",
    };
    cookie.set(s, response, value, max_age);
}

/// A short-lived HttpOnly cookie of a sign-in in progress.
pub(crate) struct SignInCookie {
    pub name: &'static str,
    pub path: &'static str,
    pub same_site: &'static str,
}

impl SignInCookie {
    pub(crate) fn set(&self, s: &AppState, response: &mut Response, value: &str, max_age: i64) {
        let cookie = format!(
            "{}={value}; Path={}; HttpOnly; SameSite={}; Max-Age={max_age}{}",
            self.name,
            self.path,
            self.same_site,
            if s.secure_cookies { "; Secure" } else { "" }
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
}

/// The browser's user agent ("" when it sent none or not as text).
pub(crate) fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// WeChat's in-app browser says so in its user agent: there, sign-in goes through the
/// Official Account's page instead of a QR code.
pub(crate) fn inside_wechat(headers: &HeaderMap) -> bool {
    user_agent(headers).contains("MicroMessenger")
}

/// The value of cookie `name`, if the browser sent it.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}
