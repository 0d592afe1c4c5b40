//! Casdoor's policy endpoints on an enforcer and its Casbin helper reads of a user.

use axum::extract::State;
use ferrodoor_core::clock::Now;
use serde::Deserialize;

use ferrodoor_core::service::group_tree::GroupList;

use super::management::ListQs;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonArray, JsonBody, Q};
use crate::response::Envelope;

/// `?id=owner/enforcer` (the enforcer's id).
fn enforcer_id(qs: &ListQs) -> Result<String, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(format!("{owner}/{name}"))
}

pub async fn get_policies(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core.get_policies(&who, &enforcer_id(&qs)?).await?,
    ))
}

/// The body: `[{"ptype", "fieldIndex", "fieldValues"}, …]`.
pub async fn get_filtered_policies(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonArray(body): JsonArray,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core
            .get_filtered_policies(&who, &enforcer_id(&qs)?, &body)
            .await?,
    ))
}

pub async fn add_policy(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::affected(
        s.core
            .add_policy(&who, &enforcer_id(&qs)?, &body, Now::wall_clock())
            .await?,
    ))
}

/// The body: `[old, new]`.
pub async fn update_policy(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonArray(body): JsonArray,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::affected(
        s.core
            .update_policy(&who, &enforcer_id(&qs)?, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn remove_policy(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::affected(
        s.core
            .remove_policy(&who, &enforcer_id(&qs)?, &body, Now::wall_clock())
            .await?,
    ))
}

/// `?userId=owner/name` (default: the signed-in user).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserQs {
    user_id: Option<String>,
}

pub async fn get_all_objects(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<UserQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core.all_objects(&who, qs.user_id.as_deref()).await?,
    ))
}

pub async fn get_all_actions(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<UserQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core.all_actions(&who, qs.user_id.as_deref()).await?,
    ))
}

pub async fn get_all_roles(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<UserQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(
        s.core.all_roles(&who, qs.user_id.as_deref()).await?,
    ))
}

/// `data`: the permissions; `data2`: how many.
pub async fn get_permissions_by_submitter(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Envelope, ApiError> {
    let permissions = s.core.permissions_by_submitter(&who).await?;
    let n = permissions.len();
    Ok(Envelope::ok(permissions).with_data2(n))
}

/// `get-groups`' `withTree=true`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeQs {
    with_tree: Option<String>,
}

/// Casdoor's `get-groups`: a page (with `haveChildren`, `parentName`), or the tree.
pub async fn get_groups(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    Q(tree): Q<TreeQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    let with_tree = tree.with_tree.as_deref() == Some("true");
    match s
        .core
        .list_groups(&who, qs.owner_filter(), &params, with_tree)
        .await?
    {
        GroupList::Tree(nodes) => Ok(Envelope::ok(nodes)),
        GroupList::Page(p) => Ok(super::management::page(p, &params)),
    }
}
