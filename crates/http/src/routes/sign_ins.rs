//! Casdoor's Session objects, `sso-logout` and token management (issue 13).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ferrodoor_core::clock::Now;
use serde::Deserialize;
use serde_json::Value;

use super::management::{ListQs, page, target};
use super::ops::organization;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q, SESSION_COOKIE, cookie_value};
use crate::response::Envelope;

/// `sessionPkId=owner/name/application` and, for some calls, `sessionId`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionQs {
    session_pk_id: String,
    session_id: String,
}

pub async fn get_sessions(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    let sessions = s
        .core
        .list_casdoor_sessions(&who, qs.owner_filter(), &params)
        .await?;
    Ok(page(sessions, &params))
}

/// A session that does not exist answers `data: null`, as Casdoor's.
pub async fn get_session(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<SessionQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core.get_casdoor_session(&who, &qs.session_pk_id).await?,
    ))
}

pub async fn is_session_duplicated(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<SessionQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core
            .is_session_duplicated(&who, &qs.session_pk_id, &qs.session_id)
            .await?,
    ))
}

pub async fn add_session(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::affected(
        s.core
            .add_casdoor_session(&who, &body, Now::wall_clock())
            .await?,
    ))
}

/// The session is named by the body (Casdoor ignores the SDKs' `?id=`).
pub async fn update_session(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::affected(
        s.core
            .update_casdoor_session(&who, &body, Now::wall_clock())
            .await?,
    ))
}

/// `?sessionId=`: only that id of the session.
pub async fn delete_session(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<SessionQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let id = Some(qs.session_id.as_str()).filter(|id| !id.is_empty());
    Ok(Envelope::affected(
        s.core
            .delete_casdoor_session(&who, &body, id, Now::wall_clock())
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SsoLogoutQs {
    logout_all: String,
}

/// Casdoor's `sso-logout` (`?logoutAll=`, true unless `false` or `0`). Without a valid
/// credential there is nobody to sign out: `ok`, as Casdoor answers.
pub async fn sso_logout(
    State(s): State<AppState>,
    caller: Result<Caller, ApiError>,
    headers: HeaderMap,
    Q(qs): Q<SsoLogoutQs>,
) -> Result<Response, ApiError> {
    let cookie = cookie_value(&headers, SESSION_COOKIE);
    if let Ok(Caller(who)) = caller {
        let logout_all = !matches!(qs.logout_all.as_str(), "false" | "0");
        s.core
            .sso_logout(&who, logout_all, cookie.as_deref(), Now::wall_clock())
            .await?;
    }
    let mut response = Envelope::ok(Value::Null).into_response();
    if cookie.is_some() {
        let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        if let Ok(v) = HeaderValue::from_str(&clear) {
            response.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// `?organization=` (or `owner`; Casdoor's SDKs send `owner=admin`, "all").
pub async fn get_tokens(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    let tokens = s.core.list_tokens(&who, organization(&qs), &params).await?;
    Ok(page(tokens, &params))
}

/// `?id=admin/name`; none (or another organization's) answers `data: null`.
pub async fn get_token(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(s.core.get_token(&who, &name).await?))
}

/// `data2`: the token issued, with its `accessToken` this once.
pub async fn add_token(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let issued = s.core.add_token(&who, &body, Now::wall_clock()).await?;
    let mut shown = serde_json::to_value(&issued.token)
        .map_err(|e| ApiError::Core(ferrodoor_core::Error::Internal(e.to_string())))?;
    if let Value::Object(map) = &mut shown {
        map.insert("accessToken".into(), Value::String(issued.access_token));
    }
    Ok(Envelope::affected(true).with_data2(shown))
}

pub async fn update_token(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_token(&who, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete_token(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core.delete_token(&who, &name, Now::wall_clock()).await?,
    ))
}
