//! Casdoor's `add-cert`, `update-cert` and `delete-cert` (issue 13); the reads are in
//! `casdoor_reads`.

use axum::extract::State;
use ferrodoor_core::clock::Now;

use super::management::{ListQs, target};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q};
use crate::response::Envelope;

/// `data2`: the certificate, its private key masked.
pub async fn add_cert(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let cert = s.core.add_cert(&who, &body, Now::wall_clock()).await?;
    Ok(Envelope::affected(true).with_data2(cert))
}

pub async fn update_cert(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_cert(&who, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete_cert(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core.delete_cert(&who, &name, Now::wall_clock()).await?,
    ))
}
