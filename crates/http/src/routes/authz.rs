//! Casdoor's authorization API: models, permissions, roles, groups, adapters, enforcers
//! (one generic set of handlers for the six kinds), `/api/enforce`, `/api/batch-enforce`
//! and the read helpers.

use axum::extract::State;
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::AuthzObject;
use ferrodoor_core::service::EnforceTarget;
use serde::Deserialize;

use super::management::{ListQs, page, target};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonArray, JsonBody, Q};
use crate::response::Envelope;

pub async fn list<T: AuthzObject>(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    Ok(page(
        s.core
            .list_authz::<T>(&who, qs.owner_filter(), &params)
            .await?,
        &params,
    ))
}

pub async fn get<T: AuthzObject>(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core.get_authz::<T>(&who, &owner, &name).await?,
    ))
}

pub async fn add<T: AuthzObject>(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let obj = s
        .core
        .add_authz::<T>(&who, &body, Now::wall_clock())
        .await?;
    Ok(Envelope::affected(true).with_data2(obj))
}

pub async fn update<T: AuthzObject>(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (owner, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_authz::<T>(&who, &owner, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete<T: AuthzObject>(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (owner, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .delete_authz::<T>(&who, &owner, &name, Now::wall_clock())
            .await?,
    ))
}

/// `?id=owner/role`: the permissions naming the role.
pub async fn permissions_by_role(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core.permissions_by_role(&who, &owner, &name).await?,
    ))
}

/// Casdoor's enforce parameters (exactly one).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnforceQs {
    permission_id: Option<String>,
    model_id: Option<String>,
    resource_id: Option<String>,
    enforcer_id: Option<String>,
    owner: Option<String>,
}

impl EnforceQs {
    fn target(self) -> EnforceTarget {
        EnforceTarget {
            permission_id: self.permission_id,
            model_id: self.model_id,
            resource_id: self.resource_id,
            enforcer_id: self.enforcer_id,
            owner: self.owner,
        }
    }
}

/// `data`: one boolean per enforcer asked; `data2`: their `model/adapter` keys.
pub async fn enforce(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<EnforceQs>,
    JsonArray(body): JsonArray,
) -> Result<Envelope, ApiError> {
    let answer = s.core.enforce(&who, &qs.target(), &body).await?;
    Ok(Envelope::ok(answer.results).with_data2(answer.keys))
}

/// Ferrodoor's: `/api/enforce`'s question, answered per enforcer with the policy that
/// decided it (`data: [{allowed, explained, policy}]`, `data2`: the enforcers' keys).
pub async fn explain_enforce(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<EnforceQs>,
    JsonArray(body): JsonArray,
) -> Result<Envelope, ApiError> {
    let answer = s.core.explain_enforce(&who, &qs.target(), &body).await?;
    Ok(Envelope::ok(answer.results).with_data2(answer.keys))
}

/// `data`: per enforcer, one boolean per request.
pub async fn batch_enforce(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<EnforceQs>,
    JsonArray(body): JsonArray,
) -> Result<Envelope, ApiError> {
    let answer = s.core.batch_enforce(&who, &qs.target(), &body).await?;
    Ok(Envelope::ok(answer.results).with_data2(answer.keys))
}
