//! Introspection (RFC 7662) and revocation (RFC 7009): form bodies, client authentication
//! by HTTP Basic or `client_id`/`client_secret` in the body.

use axum::Json;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use ferrodoor_core::clock::Now;
use ferrodoor_core::{Error, OAuthErrorCode};
use serde_json::Value;

use crate::AppState;
use crate::error::OAuthApiError;
use crate::extract::{basic_credentials, oauth_params};

struct ClientRequest {
    client_id: String,
    client_secret: String,
    token: String,
}

async fn client_request(state: &AppState, req: Request) -> Result<ClientRequest, OAuthApiError> {
    let (headers, params) = oauth_params(req, state).await?;
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (mut client_id, mut client_secret) = (get("client_id"), get("client_secret"));
    if client_secret.is_empty()
        && let Some((id, secret)) = basic_credentials(&headers)?
    {
        client_id = id;
        client_secret = secret;
    }
    let token = get("token");
    if token.is_empty() {
        return Err(Error::oauth(OAuthErrorCode::InvalidRequest, "token is required").into());
    }
    Ok(ClientRequest {
        client_id,
        client_secret,
        token,
    })
}

pub async fn introspect(
    State(s): State<AppState>,
    req: Request,
) -> Result<Json<Value>, OAuthApiError> {
    let r = client_request(&s, req).await?;
    Ok(Json(
        s.core
            .introspect(&r.client_id, &r.client_secret, &r.token, Now::wall_clock())
            .await?,
    ))
}

pub async fn revoke(State(s): State<AppState>, req: Request) -> Result<Response, OAuthApiError> {
    let r = client_request(&s, req).await?;
    s.core
        .revoke(&r.client_id, &r.client_secret, &r.token, Now::wall_clock())
        .await?;
    Ok(axum::http::StatusCode::OK.into_response())
}
