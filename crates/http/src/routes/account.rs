//! Sign-in, sign-out and what a caller may ask about themselves.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::BUILT_IN_ORG;
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q, SESSION_COOKIE, cookie_value};
use crate::response::Envelope;

/// Casdoor's `POST /api/login` body (only the password sign-in is supported; its other
/// fields, such as `application` and `autoSignin`, are accepted and ignored).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginBody {
    #[serde(default)]
    organization: String,
    username: String,
    password: String,
    #[serde(default, rename = "type")]
    type_: String,
}

pub async fn login(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body: LoginBody = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request(format!("invalid login body: {e}")))?;
    if !body.type_.is_empty() && body.type_ != "login" {
        return Err(ApiError::bad_request(format!(
            "login type {:?} is not supported; use \"login\"",
            body.type_
        )));
    }
    let org = if body.organization.is_empty() {
        BUILT_IN_ORG
    } else {
        body.organization.as_str()
    };
    let attempt = state
        .core
        .sign_in(org, &body.username, &body.password, Now::wall_clock());
    let signed_in = crate::telemetry::sign_in("console_password", attempt).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        signed_in.cookie,
        signed_in.expires_in,
        if state.secure_cookies { "; Secure" } else { "" }
    );
    let mut response = Envelope::ok(signed_in.user.id_string())
        .with_subject(&signed_in.user.id, &signed_in.user.name)
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutQs {
    #[serde(default)]
    id_token_hint: String,
    #[serde(default)]
    post_logout_redirect_uri: String,
    #[serde(default)]
    state: String,
}

/// Signs the console session out and, for OpenID Connect RP-initiated logout, revokes the
/// tokens the `id_token_hint` names and redirects to a registered `post_logout_redirect_uri`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Q(qs): Q<LogoutQs>,
) -> Result<Response, ApiError> {
    if let Some(cookie) = cookie_value(&headers, SESSION_COOKIE) {
        state.core.sign_out(&cookie, Now::wall_clock()).await?;
    }
    let redirect = state
        .core
        .logout(&qs.id_token_hint, &qs.post_logout_redirect_uri, &qs.state)
        .await?;
    let mut response = match redirect {
        Some(location) => Redirect::to(&location).into_response(),
        None => Envelope::ok(Value::Null).into_response(),
    };
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub async fn get_account(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Envelope, ApiError> {
    let (account, org) = state.core.get_account(&who).await?;
    Ok(Envelope::ok(&account)
        .with_data2(org)
        .with_subject(&account.user.id, &account.user.name))
}

pub async fn userinfo(
    State(state): State<AppState>,
    Caller(who): Caller,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.core.userinfo(&who).await?))
}
