//! Records (Casdoor's `get-records`, `get-record`) and webhooks (Casdoor's CRUD, plus
//! Ferrodoor's `get-webhook-deliveries`).

use axum::extract::State;
use ferrodoor_core::clock::Now;

use super::management::{ListQs, page, target};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q};
use crate::response::Envelope;

/// `?organization=` (Casdoor's SDKs send `owner` for it too): one organization's; none:
/// every organization's (global admins).
pub(crate) fn organization(qs: &ListQs) -> Option<&str> {
    qs.organization
        .as_deref()
        .filter(|o| !o.is_empty())
        .or_else(|| qs.owner_filter().filter(|o| *o != "admin"))
}

pub async fn get_records(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    let records = s
        .core
        .list_records(&who, organization(&qs), &params)
        .await?;
    Ok(page(records, &params))
}

/// `?id=organization/name`.
pub async fn get_record(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(s.core.get_record(&who, &name).await?))
}

pub async fn get_webhooks(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    let webhooks = s
        .core
        .list_webhooks(&who, organization(&qs), &params)
        .await?;
    Ok(page(webhooks, &params))
}

pub async fn get_webhook(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(Envelope::ok(s.core.get_webhook(&who, &owner, &name).await?))
}

pub async fn get_webhook_deliveries(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core.list_webhook_deliveries(&who, &owner, &name).await?,
    ))
}

/// The answer's `data2` is the webhook, with its secret this once when it was generated.
pub async fn add_webhook(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let webhook = s.core.add_webhook(&who, &body, Now::wall_clock()).await?;
    Ok(Envelope::affected(true).with_data2(webhook))
}

pub async fn update_webhook(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (owner, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_webhook(&who, &owner, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete_webhook(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (owner, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .delete_webhook(&who, &owner, &name, Now::wall_clock())
            .await?,
    ))
}
