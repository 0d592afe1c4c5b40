//! Binding WeChat Mini Program identities to existing accounts.

use axum::extract::State;
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::split_id;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q};
use crate::response::Envelope;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindBody {
    client_id: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize, Default)]
pub struct IdQs {
    #[serde(default)]
    id: Option<String>,
}

fn body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

/// `POST /api/bind-wechat {client_id, code}`: links the WeChat identity behind a fresh
/// `wx.login` code to the signed-in user; 409 when it belongs to someone else.
pub async fn bind(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(b): JsonBody,
) -> Result<Envelope, ApiError> {
    let b: BindBody = body(b)?;
    Ok(Envelope::ok(
        s.core
            .bind_wechat(&who, &b.client_id, &b.code, Now::wall_clock())
            .await?,
    ))
}

/// `POST /api/unbind-wechat[?id=owner/name] {client_id}`: answers how many identities
/// were unlinked.
pub async fn unbind(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<IdQs>,
    JsonBody(b): JsonBody,
) -> Result<Envelope, ApiError> {
    let b: BindBody = body(b)?;
    let target = match qs.id.as_deref() {
        Some(id) => {
            Some(split_id(id).ok_or_else(|| ApiError::bad_request("id must be owner/name"))?)
        }
        None => None,
    };
    Ok(Envelope::ok(
        s.core
            .unbind_wechat(&who, target, &b.client_id, Now::wall_clock())
            .await?,
    ))
}

/// `GET /api/get-identity-events?id=owner/name`: the user's link/unlink history.
pub async fn events(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<IdQs>,
) -> Result<Envelope, ApiError> {
    let id = qs.id.unwrap_or_default();
    let (owner, name) =
        split_id(&id).ok_or_else(|| ApiError::bad_request("id must be owner/name"))?;
    Ok(Envelope::ok(
        s.core.list_identity_events(&who, owner, name).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DecryptBody {
    #[serde(rename = "client_id")]
    client_id: String,
    encrypted_data: String,
    iv: String,
}

/// `POST /api/wechat/decrypt {client_id, encryptedData, iv}`: the mini program's
/// encrypted data, decrypted with the caller's session key (kept on the server).
pub async fn decrypt(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(b): JsonBody,
) -> Result<Envelope, ApiError> {
    let b: DecryptBody = body(b)?;
    Ok(Envelope::ok(
        s.core
            .decrypt_wechat_data(&who, &b.client_id, &b.encrypted_data, &b.iv)
            .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignatureBody {
    #[serde(rename = "client_id")]
    client_id: String,
    raw_data: String,
    signature: String,
}

/// `POST /api/wechat/verify-signature {client_id, rawData, signature}` → `{"valid": bool}`.
pub async fn verify_signature(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(b): JsonBody,
) -> Result<Envelope, ApiError> {
    let b: SignatureBody = body(b)?;
    let valid = s
        .core
        .verify_wechat_signature(&who, &b.client_id, &b.raw_data, &b.signature)
        .await?;
    Ok(Envelope::ok(serde_json::json!({ "valid": valid })))
}
