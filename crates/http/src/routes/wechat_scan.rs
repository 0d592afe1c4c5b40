//! PC sign-in by scanning the mini program's code: `GET /login/wechat/scan` shows the code
//! and polls `GET /login/wechat/scan/status`; the mini program answers with
//! `POST /api/wechat/scan-login`. The rules (and the threat model) are in the core's
//! `service::wechat_scan`.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ferrodoor_core::clock::Now;
use ferrodoor_core::service::{Requester, SCAN_COOKIE, ScanAction, ScanProgress};
use serde::Deserialize;

use super::authorize::{AuthorizeQs, STYLE, error_page, escape, failure_page, html_response};
use super::wechat_web::{SignInCookie, cookie_value, user_agent};
use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q};
use crate::response::Envelope;

/// `Strict`: only this origin's own page and its polls carry it.
const COOKIE: SignInCookie = SignInCookie {
    name: SCAN_COOKIE,
    path: "/login/wechat/scan",
    same_site: "Strict",
};

/// `GET /login/wechat/scan?client_id&redirect_uri&…[&provider=NAME]`.
pub async fn page(
    State(s): State<AppState>,
    client: ClientIp,
    headers: HeaderMap,
    qs: Result<Q<AuthorizeQs>, ApiError>,
) -> Response {
    let qs = match qs {
        Ok(Q(qs)) => qs,
        Err(ApiError::Http(status, msg)) => return error_page(status, &msg),
        Err(e) => return e.into_response(),
    };
    let requester = Requester {
        ip: client.text(),
        user_agent: user_agent(&headers).to_string(),
    };
    let start = match s
        .core
        .start_scan_login(&qs.request(), &qs.provider, &requester, Now::wall_clock())
        .await
    {
        Ok(start) => start,
        Err(e) => return failure_page(&e),
    };
    let nonce = ferrodoor_core::token::random_token(16);
    let status_url = format!("/login/wechat/scan/status?scene={}", start.scene);
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>Sign in to {t}</title><style>{STYLE}</style></head><body><main><h1>Sign in to {t}</h1>\
<p>Scan with WeChat, then confirm in the mini program.</p>\
<img id=\"code\" alt=\"Mini program code\" width=\"280\" height=\"280\" src=\"data:image/png;base64,{png}\" data-scene=\"{scene}\">\
<p id=\"status\" class=\"status\" role=\"status\">Waiting for the scan…</p></main>\
<script nonce=\"{nonce}\">{SCRIPT}</script></body></html>",
        t = escape(&start.application),
        png = STANDARD.encode(&start.png),
        scene = escape(&start.scene),
        SCRIPT = SCRIPT.replace("STATUS_URL", &status_url),
    );
    let mut response = html_response(StatusCode::OK, body);
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'nonce-{nonce}'; connect-src 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    COOKIE.set(&s, &mut response, &start.cookie, start.max_age);
    response
}

/// Polls once a second; follows the redirect once confirmed, stops at any end.
const SCRIPT: &str = r#"(function(){var s=document.getElementById("status");
var words={waiting:"Waiting for the scan…",scanned:"Scanned: confirm in the mini program.",cancelled:"Cancelled in the mini program. Reload for a new code.",expired:"The code expired. Reload for a new one."};
function poll(){fetch("STATUS_URL",{credentials:"same-origin",cache:"no-store"}).then(function(r){return r.json();}).then(function(b){
if(b.status!=="ok"){s.textContent=b.msg;s.className="status error";return;}
var d=b.data;if(d.location){s.textContent="Signed in.";window.location.assign(d.location);return;}
s.textContent=words[d.status]||d.status;if(d.status==="waiting"||d.status==="scanned"){setTimeout(poll,1000);}
}).catch(function(){setTimeout(poll,2000);});}
setTimeout(poll,1000);})();"#;

#[derive(Debug, Default, Deserialize)]
pub struct StatusQs {
    #[serde(default)]
    scene: String,
}

#[derive(serde::Serialize)]
struct StatusBody {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
}

/// `GET /login/wechat/scan/status?scene`: `{status, location?}`; only the browser that
/// asked for the code (its cookie) gets an answer.
pub async fn status(
    State(s): State<AppState>,
    headers: HeaderMap,
    Q(qs): Q<StatusQs>,
) -> Result<Envelope, ApiError> {
    let cookie = cookie_value(&headers, SCAN_COOKIE);
    let progress = s
        .core
        .scan_progress(&qs.scene, cookie.as_deref(), Now::wall_clock())
        .await?;
    let status = progress.status();
    let location = match progress {
        ScanProgress::Done(location) => Some(location),
        _ => None,
    };
    Ok(Envelope::ok(StatusBody { status, location }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    scene: String,
    action: String,
}

/// `POST /api/wechat/scan-login {scene, action: scan|confirm|cancel}` (the mini program,
/// with its user's access token): answers what is asking to sign in.
pub async fn answer(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(b): JsonBody,
) -> Result<Envelope, ApiError> {
    let b: AnswerBody = serde_json::from_value(b)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let action = ScanAction::parse(&b.action)
        .ok_or_else(|| ApiError::bad_request("action must be scan, confirm or cancel"))?;
    Ok(Envelope::ok(
        s.core
            .answer_scan(&who, &b.scene, action, Now::wall_clock())
            .await?,
    ))
}
