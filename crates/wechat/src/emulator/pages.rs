//! The browser-facing pages of the emulated Open Platform (`open.weixin.qq.com` in real
//! life), where a test plays the person holding the phone:
//!
//! - `GET /connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login&state`:
//!   the website QR page. Its form ("Scan as", a person's name) stands for scanning the QR
//!   with that person's WeChat and agreeing; it redirects to `redirect_uri?code&state`.
//!   With `login_type=jssdk` (the iframe `WxLogin` makes; no `response_type`) the form
//!   is sent by the page's script and, unless `self_redirect=true`, the TOP window goes
//!   to `redirect_uri?code&state`, as WeChat's embedded QR does.
//! - `GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope=snsapi_base|snsapi_userinfo&state`:
//!   the Official Account page, only inside WeChat (user agent with `MicroMessenger`). The
//!   browser's WeChat user is the `emulator_wechat_user` cookie (set by the form the first
//!   time): `snsapi_base` then redirects at once, `snsapi_userinfo` asks to agree. The form's
//!   "snapshot" box makes a snapshot-page virtual user.
//! - `POST /__emulator/web-code {"appid","user","scope","snapshot"?}` → `{"code"}` and
//!   `GET /__emulator/wxacodes` → the codes `getwxacodeunlimit` made.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use super::handlers::{control_json, control_reply};
use super::{Emulator, WebScope};

/// The cookie that says which WeChat user this browser is signed in as.
const USER_COOKIE: &str = "emulator_wechat_user";

pub(super) fn router() -> Router<Emulator> {
    Router::new()
        .route(
            "/connect/qrconnect",
            get(qrconnect_page).post(qrconnect_agree),
        )
        .route(
            "/connect/oauth2/authorize",
            get(authorize_page).post(authorize_agree),
        )
}

/// The query of both pages, and (with `user`, `snapshot`) the form that agrees.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SignInRequest {
    appid: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    state: String,
    user: String,
    snapshot: String,
    /// `jssdk`: the page is WxLogin's iframe.
    login_type: String,
    /// `true`: the iframe itself goes to `redirect_uri` (else the top window).
    self_redirect: String,
}

impl SignInRequest {
    /// What WeChat checks before showing its page; the error text is its own.
    fn check(&self, emulator: &Emulator, allowed: &[WebScope]) -> Result<WebScope, String> {
        if !emulator.lock().world.knows_app(&self.appid) {
            return Err("appid 参数错误 (unknown appid)".into());
        }
        if self.response_type != "code" && !self.jssdk() {
            return Err("response_type 参数错误 (must be code)".into());
        }
        let scope = WebScope::parse(&self.scope)
            .filter(|s| allowed.contains(s))
            .ok_or("scope 参数错误或没有 scope 权限 (wrong scope for this page)")?;
        match url::Url::parse(&self.redirect_uri) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(scope),
            _ => Err("redirect_uri 参数错误".into()),
        }
    }

    fn jssdk(&self) -> bool {
        self.login_type == "jssdk"
    }

    /// The redirect back to the site with a fresh code (for WxLogin's iframe, whose script
    /// navigates itself: `{"location"}`).
    fn redirect(&self, emulator: &Emulator, scope: WebScope, user: &str) -> Response {
        let code = match emulator.web_code(&self.appid, user, scope, !self.snapshot.is_empty()) {
            Ok(code) => code,
            Err(e) => return page(StatusCode::BAD_REQUEST, "WeChat", &escape(&e.to_string())),
        };
        let Ok(mut url) = url::Url::parse(&self.redirect_uri) else {
            return page(StatusCode::BAD_REQUEST, "WeChat", "redirect_uri 参数错误");
        };
        url.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &self.state);
        if self.jssdk() {
            return axum::Json(json!({ "location": url.as_str() })).into_response();
        }
        Redirect::to(url.as_str()).into_response()
    }

    /// The hidden fields that carry the request through the form.
    fn hidden(&self) -> String {
        [
            ("appid", &self.appid),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("login_type", &self.login_type),
            ("self_redirect", &self.self_redirect),
        ]
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
                escape(v)
            )
        })
        .collect()
    }
}

async fn qrconnect_page(
    State(emulator): State<Emulator>,
    Query(request): Query<SignInRequest>,
) -> Response {
    if let Err(e) = request.check(&emulator, &[WebScope::Login]) {
        return page(StatusCode::BAD_REQUEST, "WeChat", &escape(&e));
    }
    let body = format!(
        "<p>Website sign-in of <code>{appid}</code>. Scan the QR code with WeChat.</p>\
<div class=\"qr\" aria-label=\"QR code\"></div>\
<form method=\"post\" action=\"/connect/qrconnect\">{hidden}\
<label for=\"user\">Scan as (emulator: the person holding the phone)</label>\
<input id=\"user\" name=\"user\" required>\
<button type=\"submit\">Scan and agree</button></form>{script}",
        appid = escape(&request.appid),
        hidden = request.hidden(),
        script = if request.jssdk() { JSSDK_SCRIPT } else { "" },
    );
    page(StatusCode::OK, "WeChat QR sign-in", &body)
}

async fn qrconnect_agree(
    State(emulator): State<Emulator>,
    Form(request): Form<SignInRequest>,
) -> Response {
    match request.check(&emulator, &[WebScope::Login]) {
        Ok(scope) => request.redirect(&emulator, scope, request.user.trim()),
        Err(e) => page(StatusCode::BAD_REQUEST, "WeChat", &escape(&e)),
    }
}

/// WxLogin's iframe: the scan is sent without leaving the frame (its sandbox has no
/// `allow-forms`), then the top window (or, `self_redirect=true`, the frame) goes on.
const JSSDK_SCRIPT: &str = r#"<script>(function(){var f=document.querySelector("form"),b=f.querySelector("button");
b.type="button";b.addEventListener("click",function(){if(!f.reportValidity()){return;}
fetch(f.action,{method:"POST",body:new URLSearchParams(new FormData(f))}).then(function(r){return r.json();}).then(function(b){
var self=new URLSearchParams(location.search).get("self_redirect")==="true";(self?window:window.top).location.href=b.location;});});})();</script>"#;

const OFFICIAL_ACCOUNT_SCOPES: &[WebScope] = &[WebScope::Base, WebScope::UserInfo];

async fn authorize_page(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Query(request): Query<SignInRequest>,
) -> Response {
    let in_wechat = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("MicroMessenger"));
    if !in_wechat {
        return page(
            StatusCode::OK,
            "WeChat",
            "请在微信客户端打开链接 (open this link in WeChat)",
        );
    }
    let scope = match request.check(&emulator, OFFICIAL_ACCOUNT_SCOPES) {
        Ok(scope) => scope,
        Err(e) => return page(StatusCode::BAD_REQUEST, "WeChat", &escape(&e)),
    };
    let known = cookie(&headers, USER_COOKIE);
    if let (WebScope::Base, Some(user)) = (scope, &known) {
        return request.redirect(&emulator, scope, user);
    }
    let question = match scope {
        WebScope::UserInfo => "asks for your nickname and avatar.",
        _ => "wants to know who you are.",
    };
    let body = format!(
        "<p>The Official Account page of <code>{appid}</code> {question}</p>\
<form method=\"post\" action=\"/connect/oauth2/authorize\">{hidden}\
<label for=\"user\">WeChat user (emulator: who this phone belongs to)</label>\
<input id=\"user\" name=\"user\" required value=\"{user}\">\
<label><input type=\"checkbox\" name=\"snapshot\" value=\"1\"> snapshot page (virtual user)</label>\
<button type=\"submit\">Allow</button></form>",
        appid = escape(&request.appid),
        hidden = request.hidden(),
        user = escape(known.as_deref().unwrap_or_default()),
    );
    page(StatusCode::OK, "WeChat authorization", &body)
}

async fn authorize_agree(
    State(emulator): State<Emulator>,
    Form(request): Form<SignInRequest>,
) -> Response {
    let scope = match request.check(&emulator, OFFICIAL_ACCOUNT_SCOPES) {
        Ok(scope) => scope,
        Err(e) => return page(StatusCode::BAD_REQUEST, "WeChat", &escape(&e)),
    };
    let user = request.user.trim();
    let mut response = request.redirect(&emulator, scope, user);
    if response.status().is_redirection()
        && let Ok(value) = format!("{USER_COOKIE}={}; Path=/; HttpOnly", cookie_safe(user)).parse()
    {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct WebCodeRequest {
    appid: String,
    user: String,
    scope: String,
    #[serde(default)]
    snapshot: bool,
}

pub(super) async fn control_web_code(State(emulator): State<Emulator>, body: Bytes) -> Response {
    let result = control_json::<WebCodeRequest>(&body).and_then(|r| {
        let scope = WebScope::parse(&r.scope).ok_or_else(|| {
            super::ControlError::BadRequest(
                "scope must be snsapi_login, snsapi_base or snsapi_userinfo".into(),
            )
        })?;
        emulator.web_code(&r.appid, &r.user, scope, r.snapshot)
    });
    control_reply(result.map(|code| json!({ "code": code })))
}

pub(super) async fn control_wxa_codes(State(emulator): State<Emulator>) -> Response {
    control_reply(Ok(json!(emulator.wxa_codes())))
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let pairs: HashMap<&str, &str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .collect();
    pairs
        .get(name)
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A name fit for a cookie value (names in tests are plain words).
fn cookie_safe(user: &str) -> String {
    user.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<style>body{{font-family:sans-serif;max-width:26rem;margin:3rem auto}}label,input,button{{display:block;margin:.5rem 0}}\
.qr{{width:8rem;height:8rem;background:repeating-linear-gradient(45deg,#000 0 6px,#fff 6px 12px)}}</style></head>\
<body><h1>{title}</h1>{body}<p><small>Ferrodoor WeChat emulator</small></p></body></html>"
    );
    (status, Html(html)).into_response()
}
