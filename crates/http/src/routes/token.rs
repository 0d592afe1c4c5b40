//! `POST /api/login/oauth/access_token` and `/oauth/token`.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ferrodoor_core::clock::Now;
use ferrodoor_core::service::TokenParams;
use ferrodoor_core::{Error, OAuthErrorCode};

use crate::AppState;
use crate::error::OAuthApiError;
use crate::extract::{basic_credentials, oauth_params};
use crate::telemetry::login_method;

pub async fn token_endpoint(
    State(state): State<AppState>,
    req: Request,
) -> Result<Response, OAuthApiError> {
    let (headers, raw) = oauth_params(req, &state).await?;
    let params = token_params(&headers, &raw)?;
    let method = login_method(&params.tag, &params.grant_type, &params.phone_code);
    let attempt = state.core.token_endpoint(params, Now::wall_clock());
    let answer = crate::telemetry::sign_in(method, attempt).await?;
    let mut response = Json(answer).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The token endpoint's parameters from the raw request parameters and headers, as the
/// handler reads them (public so the fuzz harness drives exactly this).
pub fn token_params(headers: &HeaderMap, raw: &[(String, String)]) -> Result<TokenParams, Error> {
    let mut params = to_token_params(raw)?;
    // Casdoor falls back to HTTP Basic when the body names no client.
    if params.client_id.is_empty()
        && params.client_secret.is_empty()
        && let Some((id, secret)) = basic_credentials(headers)?
    {
        params.client_id = id;
        params.client_secret = secret;
    }
    Ok(params)
}

/// The first non-empty value of each parameter; the same parameter with two different
/// values is refused (RFC 6749 §3.2).
fn to_token_params(raw: &[(String, String)]) -> Result<TokenParams, Error> {
    let mut p = TokenParams::default();
    for (name, value) in raw {
        let slot = match name.as_str() {
            "grant_type" => &mut p.grant_type,
            "tag" => &mut p.tag,
            "client_id" => &mut p.client_id,
            "client_secret" => &mut p.client_secret,
            "code" => &mut p.code,
            "username" => &mut p.username,
            "password" => &mut p.password,
            "avatar" => &mut p.avatar,
            "scope" => &mut p.scope,
            "nonce" => &mut p.nonce,
            "refresh_token" => &mut p.refresh_token,
            "redirect_uri" => &mut p.redirect_uri,
            "code_verifier" => &mut p.code_verifier,
            "phone_code" => &mut p.phone_code,
            _ => continue,
        };
        if value.is_empty() {
            continue;
        }
        if slot.is_empty() {
            *slot = value.clone();
        } else if slot != value {
            return Err(Error::oauth(
                OAuthErrorCode::InvalidRequest,
                format!("parameter {name} was sent twice with different values"),
            ));
        }
    }
    Ok(p)
}
