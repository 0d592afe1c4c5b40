//! Casdoor's read-only SDK calls: certificates and organization names.

use axum::extract::State;
use ferrodoor_core::entity::{GLOBAL_OWNER, split_id};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, Q};
use crate::response::Envelope;

/// `get-certs?owner=` and `get-global-certs`: Ferrodoor's certificates are all global, so
/// the owner does not narrow the list.
pub async fn get_certs(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(s.core.list_certs(&who).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IdQs {
    id: String,
}

/// `get-cert?id=owner/name`; a certificate that does not exist answers `data: null`.
pub async fn get_cert(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<IdQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = split_id(&qs.id)
        .ok_or_else(|| ApiError::bad_request(format!("id must be owner/name, got {:?}", qs.id)))?;
    Ok(Envelope::ok(s.core.get_cert(&who, name).await?))
}

/// `get-organization-names?owner=`: Casdoor answers organizations with only `owner`,
/// `name` and `displayName` filled.
pub async fn get_organization_names(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Envelope, ApiError> {
    let names: Vec<_> = s
        .core
        .organization_names(&who)
        .await?
        .into_iter()
        .map(|(name, display_name)| json!({"owner": GLOBAL_OWNER, "name": name, "displayName": display_name}))
        .collect();
    Ok(Envelope::ok(names))
}
